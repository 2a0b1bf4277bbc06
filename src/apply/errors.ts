// Errors of the apply engine: each names the object (its subject) and, where the
// API server said so, the field; the text is sanitized and Secret values masked.
import { ApiError } from '../runtime/client/errors.js';
import { sanitizeText, truncateChars } from '../runtime/log/sanitize.js';
import { immutableField } from './immutable.js';
import type { Masker } from './mask.js';

export type ApplyErrorReason =
  'Invalid' | 'Forbidden' | 'Immutable' | 'NotFound' | 'Conflict' | 'Unavailable' | 'Failed';

export interface ApplyErrorOptions {
  readonly field?: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  readonly status?: number | undefined;
}

export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  readonly field?: string;
  readonly status?: number;

  constructor(
    readonly reason: ApplyErrorReason,
    readonly subject: string,
    message: string,
    opts: ApplyErrorOptions = {},
  ) {
    super(message);
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

// Server messages can be long (an immutable Job template is echoed whole).
const MAX_SERVER_TEXT = 2000;

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** A failure to reach the server at all (reset, refused, timed out). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || /socket hang up/i.test(err.message);
}

// The apiserver answers a body it cannot decode (e.g. a Secret value that is not
// base64) with a 500, which is the request's fault, not the server's.
const DECODE_FAILURE =
  /unable to convert unstructured object|error decoding from json|failed to convert new object/i;

/** The server's own text, without the `METHOD /path: ` prefix ApiError adds. */
export function serverText(err: ApiError): string {
  return err.message.replace(/^[A-Z]+ \/\S*: /, '');
}

export function reasonOf(err: unknown): ApplyErrorReason {
  if (err instanceof ApiError) {
    switch (err.status) {
      case 400:
      case 422:
        return immutableField(serverText(err)) === undefined ? 'Invalid' : 'Immutable';
      case 403:
        return 'Forbidden';
      case 404:
        return 'NotFound';
      case 409:
        return 'Conflict';
      case 429:
        return 'Unavailable';
      default:
        if (err.status === 500 && DECODE_FAILURE.test(err.message)) return 'Invalid';
        return err.status >= 500 ? 'Unavailable' : 'Failed';
    }
  }
  return isConnectionError(err) ? 'Unavailable' : 'Failed';
}

/** Removes credentials and Secret values, and caps the length. */
export function cleanText(text: string, mask: Masker): string {
  return sanitizeText(mask(truncateChars(text, MAX_SERVER_TEXT)));
}

/**
 * An ApplyError for `err`, raised while doing `action` (e.g. "dry-run failed") to
 * the object named `subject`. Immutable errors get the advice on how to recreate.
 */
export function toApplyError(err: unknown, subject: string, action: string, mask: Masker): ApplyError {
  if (err instanceof ApplyError) return err;
  const reason = reasonOf(err);
  if (!(err instanceof ApiError)) {
    const text = err instanceof Error ? err.message : String(err);
    const what = reason === 'Unavailable' ? 'the API server is unavailable: ' : '';
    return new ApplyError(reason, subject, cleanText(`${subject} ${action}: ${what}${text}`, mask));
  }
  const text = serverText(err);
  if (reason === 'Immutable') {
    const field = immutableField(text) ?? '';
    return new ApplyError(reason, subject, immutableMessage(subject, field), { field, status: err.status });
  }
  return new ApplyError(reason, subject, cleanText(`${subject} ${action} (${reason}): ${text}`, mask), {
    field: reason === 'Invalid' ? firstField(text) : undefined,
    status: err.status,
  });
}

export function immutableMessage(subject: string, field: string): string {
  const what = field === '' ? 'an immutable field changed' : `field ${field} is immutable`;
  return (
    `${subject}: ${what}; set spec.force: true on the Kustomization or annotate the object ` +
    'kustomize.toolkit.fluxcd.io/force: Enabled to recreate it'
  );
}

// `Kind "name" is invalid: spec.x: Invalid value: ...` or `...: [a: ..., b: ...]`.
const FIELD_CAUSE =
  /(?:is invalid: \[?|, )([A-Za-z][\w.[\]/-]*): (?:Invalid value|Required value|Unsupported value|Forbidden|Duplicate value|Not found|Too long|Too many)/;

/** The first field a 422 names, if any. */
export function firstField(text: string): string | undefined {
  return FIELD_CAUSE.exec(text)?.[1];
}
