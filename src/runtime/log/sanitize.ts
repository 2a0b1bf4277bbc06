// Event messages leave the process (Kubernetes Events, notification webhooks), so
// they are scrubbed of credentials first: URL userinfo, query strings and fragments
// (tokens such as SAS signatures live there), Authorization-style tokens and PEM
// private keys.
// Callers should never pass Secret values; this is the defensive second line.

// A URL runs from its scheme to the next whitespace, quote or angle bracket.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;
// An auth scheme followed by something token-like; a Basic credential is base64,
// so it holds a digit or a base64 symbol, which keeps "basic authentication" readable.
const AUTH_SCHEME_PATTERN = /\b(bearer|basic(?=\s+[A-Za-z0-9._~+/-]*[0-9+/=]))\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const KEY_VALUE_PATTERN = /\b(access_token|token|password|passwd|secret|api[_-]?key)=[^\s&"']+/gi;
const PRIVATE_KEY_PATTERN =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const TRAILING_PUNCTUATION = /[.,:;!)\]}]+$/;

/** Removes URL credentials, query strings and fragments, and auth tokens from free text. */
export function sanitizeText(text: string): string {
  return text
    .replace(PRIVATE_KEY_PATTERN, '[private key]')
    .replace(URL_PATTERN, sanitizeUrl)
    .replace(AUTH_SCHEME_PATTERN, '$1 ***')
    .replace(KEY_VALUE_PATTERN, '$1=***');
}

function sanitizeUrl(match: string): string {
  const trailing = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
  const url = match.slice(0, match.length - trailing.length);
  const schemeEnd = url.indexOf('://') + 3;
  const scheme = url.slice(0, schemeEnd);
  let rest = url.slice(schemeEnd);
  // The query and fragment go first: a password may contain '?' or '#' only when
  // escaped, and a query may contain '@', which must not be taken for userinfo.
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  const authorityEnd = rest.indexOf('/') < 0 ? rest.length : rest.indexOf('/');
  const at = rest.lastIndexOf('@', authorityEnd);
  if (at >= 0) rest = rest.slice(at + 1);
  return scheme + rest + trailing;
}

/** Caps text at maxChars characters, marking the cut. */
export function truncateChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = '...';
  // Don't split a surrogate pair.
  let end = Math.max(0, maxChars - marker.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end) + marker;
}

/** Caps text at maxBytes of UTF-8 (the API server counts bytes), marking the cut. */
export function truncateBytes(text: string, maxBytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= maxBytes) return text;
  const marker = '...';
  let end = Math.max(0, maxBytes - marker.length);
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8') + marker;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
