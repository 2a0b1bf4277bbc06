// Removes what must never be shown: credentials and query strings in URLs, bearer
// tokens and PEM private keys. Applied to every message bound for logs or status.

const URL_PATTERN =
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@]+@)?([^\s/?#]+)([^\s?#]*)(\?[^\s#]*?(?=[.:,;)\]]*(?:\s|$)))?(#\S*?(?=[.:,;)\]]*(?:\s|$)))?/gi;
const BEARER_PATTERN = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const PRIVATE_KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;

export function sanitizeText(text: string): string {
  return text
    .replace(PRIVATE_KEY_PATTERN, '[redacted private key]')
    .replace(BEARER_PATTERN, '$1 [redacted]')
    .replace(URL_PATTERN, (_m, scheme: string, _cred: string | undefined, host: string, path: string) => {
      return `${scheme}${host}${path}`;
    });
}
