// Typed git errors. Each names the operation and the repository URL (without credentials) and is
// sanitized on construction, so a message can go to status, events and logs as it is.
import { sanitizeText } from '../runtime/log/sanitize.js';

const MAX_MESSAGE_CHARS = 1000;

export interface GitErrorOptions {
  /** What was being done, e.g. `git ls-remote` or `checkout`. */
  operation: string;
  /** Repository URL; credentials and query are stripped before it is kept. */
  url?: string;
  /** Secret values to mask wherever they might appear (defence in depth, like Flux's masktoken). */
  secrets?: readonly string[];
}

/** Any failure of a git operation; the subclasses say what kind. */
export class GitError extends Error {
  override name = 'GitError';
  readonly operation: string;
  readonly url: string | undefined;

  constructor(detail: string, options: GitErrorOptions) {
    const url = options.url === undefined ? undefined : displayUrl(options.url);
    const subject = url === undefined ? options.operation : `${options.operation} ${url}`;
    super(redact(`${subject}: ${detail}`, options.secrets ?? []));
    this.operation = options.operation;
    this.url = url;
  }
}

/** Credentials refused (HTTP 401/403, publickey denied) or the server's identity not trusted. */
export class GitAuthError extends GitError {
  override name = 'GitAuthError';
}

/** The repository, ref, tag or commit does not exist (or is not visible to these credentials). */
export class GitNotFoundError extends GitError {
  override name = 'GitNotFoundError';
}

/** The operation did not finish within its timeout; its processes were killed. */
export class GitTimeoutError extends GitError {
  override name = 'GitTimeoutError';
}

/** The request itself is invalid (bad ref name, semver range, sparse path, URL): retrying won't help. */
export class GitInvalidInputError extends GitError {
  override name = 'GitInvalidInputError';
}

/** The caller's AbortSignal fired. */
export class GitAbortedError extends GitError {
  override name = 'GitAbortedError';
}

export type VerificationFailure = 'unsigned' | 'unknown-key' | 'invalid-signature' | 'invalid-keys';

/** A commit or tag signature that is missing, from an untrusted key, or does not verify. */
export class VerificationError extends Error {
  override name = 'VerificationError';
  constructor(
    readonly reason: VerificationFailure,
    message: string,
  ) {
    super(sanitizeText(message).slice(0, MAX_MESSAGE_CHARS));
  }
}

/**
 * URL as shown in messages: no userinfo password, query or fragment. An SSH user name stays
 * (`ssh://git@host/…`), as it is part of how the repository is addressed, not a secret.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    if (parsed.protocol !== 'ssh:') parsed.username = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return sanitizeText(url);
  }
}

/** Masks known secret values (and their base64 forms), then applies the generic sanitizer. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short values would mask ordinary words; such secrets are not worth hiding anyway.
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(secret).toString('base64')]) {
      out = out.split(form).join('***');
    }
  }
  return sanitizeText(out).slice(0, MAX_MESSAGE_CHARS);
}
