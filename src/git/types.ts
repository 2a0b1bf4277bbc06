// Credentials, proxy and results of git operations, and the mapping from a Flux secretRef Secret.
import { GitAuthError, GitInvalidInputError } from './errors.js';

/** TLS material for HTTPS: a CA bundle to trust, and a client certificate for mutual TLS. */
export interface GitTls {
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

export type GitCredentials =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'ssh'; identity: string; knownHosts: string; password?: string };

/** How to authenticate to a repository; `tls` applies to HTTPS only. */
export type GitAuth = GitCredentials & { tls?: GitTls };

/** HTTP(S) or SOCKS5 proxy for HTTPS remotes (Flux `proxySecretRef` keys). */
export interface ProxyConfig {
  address: string;
  username?: string;
  password?: string;
}

export type RefKind = 'branch' | 'tag' | 'semver' | 'name' | 'commit';

/** A ref as the remote advertises it. */
export interface RemoteRef {
  name: string;
  /** Object the ref points at: a commit, or a tag object for annotated tags. */
  oid: string;
  /** Commit an annotated tag peels to (`^{}`); absent for refs that point at a commit. */
  peeled?: string;
}

export interface RemoteRefs {
  /** Repository URL without credentials. */
  url: string;
  /** Target of the remote HEAD symref, e.g. `refs/heads/main`, when advertised. */
  headTarget?: string;
  /** Refs under refs/ by full name (branches, tags, and others such as refs/pull/…). */
  refs: ReadonlyMap<string, RemoteRef>;
}

/** A GitRepository ref resolved against the remote, with Flux's revision string. */
export interface ResolvedRef {
  kind: RefKind;
  /** Full ref fetched (`refs/heads/main`, `refs/tags/v1.0.0`, …); absent for a bare commit. */
  refName?: string;
  /** Commit to check out (tags peeled). Always known: a commit ref must be a full SHA. */
  commit: string;
  /** `main@sha1:<hex>`, `v1.0.0@sha1:<hex>`, `refs/pull/1/head@sha1:<hex>` or `sha1:<hex>`. */
  revision: string;
  /** Annotated tag object id, when the ref is an annotated tag. */
  tagObject?: string;
}

export type SecretData = Readonly<Record<string, Buffer | string | undefined>>;

/**
 * Builds GitAuth from the data of a GitRepository `secretRef` Secret, with Flux's key names:
 * SSH URLs take `identity`, `known_hosts` (both required: there is no trust on first use) and an
 * optional `password` for an encrypted identity; HTTP(S) URLs take `bearerToken`, else `username`
 * and `password`, plus `ca.crt` (legacy `caFile`) and `tls.crt`/`tls.key`. Credentials in the URL's
 * userinfo are used when the Secret has none, as Flux does. Errors name keys, never values.
 */
export function authFromSecret(url: string, data: SecretData): GitAuth {
  const parsed = parseRepoUrl(url);
  const get = (key: string): string | undefined => {
    const value = data[key];
    if (value === undefined) return undefined;
    const text = typeof value === 'string' ? value : value.toString('utf8');
    return text === '' ? undefined : text;
  };
  if (parsed.protocol === 'ssh:') return sshAuthFromSecret(get);
  const tls = tlsFromSecret(get);
  const withTls = (credentials: GitCredentials): GitAuth =>
    tls === undefined ? credentials : { ...credentials, tls };
  if (data.bearerToken !== undefined) {
    const token = get('bearerToken');
    if (token === undefined) throw secretError("'bearerToken' is empty");
    return withTls({ kind: 'bearer', token });
  }
  const username = get('username') ?? urlPart(parsed.username);
  const password = get('password') ?? urlPart(parsed.password);
  if (password !== undefined && username === undefined) {
    throw secretError("'password' requires 'username' to be set");
  }
  if (username === undefined) return withTls({ kind: 'none' });
  return withTls({ kind: 'basic', username, password: password ?? '' });
}

function sshAuthFromSecret(get: (key: string) => string | undefined): GitAuth {
  const identity = get('identity');
  if (identity === undefined) throw secretError("SSH needs key 'identity' (a private key)");
  const knownHosts = get('known_hosts');
  if (knownHosts === undefined) {
    throw secretError("SSH needs key 'known_hosts'; host keys are never trusted on first use");
  }
  const password = get('password');
  return password === undefined
    ? { kind: 'ssh', identity, knownHosts }
    : { kind: 'ssh', identity, knownHosts, password };
}

function tlsFromSecret(get: (key: string) => string | undefined): GitTls | undefined {
  const caCert = get('ca.crt') ?? get('caFile');
  const clientCert = get('tls.crt');
  const clientKey = get('tls.key');
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw secretError(
      clientCert === undefined ? "'tls.key' is set without 'tls.crt'" : "'tls.crt' is set without 'tls.key'",
    );
  }
  if (caCert === undefined && clientCert === undefined) return undefined;
  const tls: GitTls = {};
  if (caCert !== undefined) tls.caCert = caCert;
  if (clientCert !== undefined && clientKey !== undefined) {
    tls.clientCert = clientCert;
    tls.clientKey = clientKey;
  }
  return tls;
}

/** Builds ProxyConfig from a `proxySecretRef` Secret (`address` required). */
export function proxyFromSecret(data: SecretData): ProxyConfig {
  const text = (key: string): string | undefined => {
    const value = data[key];
    const s = typeof value === 'string' ? value : value?.toString('utf8');
    return s === '' ? undefined : s;
  };
  const address = text('address');
  if (address === undefined) throw secretError("proxy Secret needs key 'address'");
  const proxy: ProxyConfig = { address };
  const username = text('username');
  const password = text('password');
  if (username !== undefined) proxy.username = username;
  if (password !== undefined) proxy.password = password;
  return proxy;
}

/** Parses a GitRepository URL; only http, https and ssh (not scp-like `git@host:repo`). */
export function parseRepoUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitInvalidInputError('not a valid URL', { operation: 'parse URL', url });
  }
  if (!['http:', 'https:', 'ssh:'].includes(parsed.protocol)) {
    throw new GitInvalidInputError(`unsupported scheme ${JSON.stringify(parsed.protocol)}`, {
      operation: 'parse URL',
      url,
    });
  }
  if (parsed.hostname === '') {
    throw new GitInvalidInputError('URL has no host', { operation: 'parse URL', url });
  }
  return parsed;
}

function urlPart(encoded: string): string | undefined {
  if (encoded === '') return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function secretError(detail: string): GitAuthError {
  return new GitAuthError(detail, { operation: 'read secretRef' });
}

/** Every secret string held by auth and proxy, for masking in messages. */
export function secretsOf(auth: GitAuth, proxy?: ProxyConfig): string[] {
  const secrets: string[] = [];
  switch (auth.kind) {
    case 'basic':
      secrets.push(auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
      break;
    case 'bearer':
      secrets.push(auth.token);
      break;
    case 'ssh':
      secrets.push(auth.identity, ...identityLines(auth.identity));
      if (auth.password !== undefined) secrets.push(auth.password);
      break;
    case 'none':
      break;
  }
  if (auth.tls?.clientKey !== undefined)
    secrets.push(auth.tls.clientKey, ...identityLines(auth.tls.clientKey));
  if (proxy?.password !== undefined) secrets.push(proxy.password);
  return secrets.filter((s) => s !== '');
}

/** Base64 body lines of a PEM/OpenSSH key, so a partial echo of the key is masked too. */
function identityLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
}
