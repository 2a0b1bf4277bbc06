import { createHash, timingSafeEqual } from 'node:crypto';
import type { GitAuthMethod } from './types.js';

export interface HttpCredentials {
  username: string;
  password: string;
  token: string;
}

export type AuthOutcome =
  /** No Authorization header at all. */
  | { kind: 'anonymous'; method: 'none' }
  | { kind: 'authenticated'; method: GitAuthMethod; user: string }
  /** Credentials were presented but are wrong, malformed or of an unsupported scheme. */
  | { kind: 'denied'; method: GitAuthMethod };

/** The challenge git understands; it then retries with the URL's or a helper's credentials. */
export const BASIC_CHALLENGE = 'Basic realm="tide"';

/** Checks an `Authorization` header against the server's single set of credentials. */
export function authenticate(header: string | undefined, credentials: HttpCredentials): AuthOutcome {
  if (header === undefined || header.trim() === '') {
    return { kind: 'anonymous', method: 'none' };
  }
  const match = /^(\S+)\s+(.+)$/.exec(header.trim());
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2]?.trim() ?? '';
  if (scheme === 'basic') {
    return checkBasic(value, credentials);
  }
  if (scheme === 'bearer') {
    return secretEquals(value, credentials.token)
      ? { kind: 'authenticated', method: 'bearer', user: credentials.username }
      : { kind: 'denied', method: 'bearer' };
  }
  return { kind: 'denied', method: 'none' };
}

function checkBasic(encoded: string, credentials: HttpCredentials): AuthOutcome {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return { kind: 'denied', method: 'basic' };
  }
  // Compare both parts before deciding so timing does not reveal which one was wrong.
  const userOk = secretEquals(decoded.slice(0, colon), credentials.username);
  const passwordOk = secretEquals(decoded.slice(colon + 1), credentials.password);
  return userOk && passwordOk
    ? { kind: 'authenticated', method: 'basic', user: credentials.username }
    : { kind: 'denied', method: 'basic' };
}

/** Constant-time comparison; hashing first makes inputs equal length without leaking the length. */
function secretEquals(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
