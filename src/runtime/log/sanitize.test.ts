import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sanitizeText, truncateBytes, truncateChars } from './sanitize.js';

describe('sanitizeText', () => {
  const cases: [name: string, input: string, want: string][] = [
    [
      'user and password',
      'clone https://user:s3cret@git.example.com/org/repo.git failed',
      'clone https://git.example.com/org/repo.git failed',
    ],
    ['token as user', 'fetch https://ghp_TOKEN123@github.com/o/r: 401', 'fetch https://github.com/o/r: 401'],
    ['unescaped @ in password', 'https://u:p@ss@host.example/x', 'https://host.example/x'],
    [
      'query string',
      'GET https://b.example.com/o?X-Amz-Signature=abc&x=1: 403',
      'GET https://b.example.com/o: 403',
    ],
    ['query then fragment', 'GET https://h/p?sig=SECRET#frag failed', 'GET https://h/p failed'],
    ['@ inside the query', 'https://h/p?email=a@b.c&sig=SECRET', 'https://h/p'],
    ['quoted URL', 'url "https://u:p@h/p?sig=SECRET" is bad', 'url "https://h/p" is bad'],
    ['trailing punctuation kept', 'see (https://h/p?sig=SECRET).', 'see (https://h/p).'],
    [
      'oci and ssh',
      'oci://u:p@ghcr.io/o/c and ssh://git@github.com/o/r',
      'oci://ghcr.io/o/c and ssh://github.com/o/r',
    ],
    ['several URLs', 'a https://x:y@h1/a b https://h2/b?t=1 c', 'a https://h1/a b https://h2/b c'],
    [
      'bearer token',
      'header Authorization: Bearer eyJhbGciOi.abc.def rejected',
      'header Authorization: Bearer *** rejected',
    ],
    ['basic credentials', 'Basic dXNlcjpwYXNzd29yZA== refused', 'Basic *** refused'],
    ['prose mentioning basic auth', 'basic authentication failed', 'basic authentication failed'],
    ['key=value secrets', 'password=hunter2 token=abc&x', 'password=*** token=***&x'],
    [
      'private key',
      'key -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- bad',
      'key [private key] bad',
    ],
    ['nothing to hide', 'artifact stored: main@sha1:0123abcd', 'artifact stored: main@sha1:0123abcd'],
    ['plain URL untouched', 'https://github.com/fluxcd/flux2', 'https://github.com/fluxcd/flux2'],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      assert.equal(sanitizeText(input), want);
    });
  }
});

describe('truncation', () => {
  it('caps characters with a marker and leaves short text alone', () => {
    assert.equal(truncateChars('short', 10), 'short');
    const cut = truncateChars('x'.repeat(50), 20);
    assert.equal(cut.length, 20);
    assert.match(cut, /\.\.\.$/);
  });

  it('does not split a surrogate pair', () => {
    const cut = truncateChars('ab😀😀😀😀', 6);
    assert.ok(cut.length <= 6, `${cut.length} characters`);
    assert.doesNotMatch(cut, /[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('caps UTF-8 bytes without splitting a character', () => {
    assert.equal(truncateBytes('héllo', 6), 'héllo');
    const cut = truncateBytes('é'.repeat(600), 1024);
    assert.ok(Buffer.byteLength(cut) <= 1024, `${Buffer.byteLength(cut)} bytes`);
    assert.match(cut, /\.\.\.$/);
    assert.doesNotMatch(cut, /\ufffd/);
  });
});
