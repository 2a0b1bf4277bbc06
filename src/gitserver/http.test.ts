import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCgiHead } from './cgi.js';
import { quotePath } from './fast-import-stream.js';
import { authenticate } from './http-auth.js';
import { parseRoute } from './https-transport.js';

const CREDENTIALS = { username: 'tide', password: 's3cret:with:colons', token: 'tok-123' };

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('authenticate', () => {
  it('accepts matching basic credentials (password may contain colons)', () => {
    assert.deepEqual(authenticate(basic('tide', CREDENTIALS.password), CREDENTIALS), {
      kind: 'authenticated',
      method: 'basic',
      user: 'tide',
    });
  });

  it('accepts the bearer token case-insensitively by scheme', () => {
    assert.equal(authenticate('bearer tok-123', CREDENTIALS).kind, 'authenticated');
  });

  it('denies wrong secrets and unknown schemes, and reports no header as anonymous', () => {
    assert.deepEqual(authenticate(basic('tide', 'nope'), CREDENTIALS), { kind: 'denied', method: 'basic' });
    assert.deepEqual(authenticate(basic('other', CREDENTIALS.password), CREDENTIALS), {
      kind: 'denied',
      method: 'basic',
    });
    assert.deepEqual(authenticate('Bearer tok-1234', CREDENTIALS), { kind: 'denied', method: 'bearer' });
    assert.deepEqual(authenticate('Digest abc', CREDENTIALS), { kind: 'denied', method: 'none' });
    assert.deepEqual(authenticate('Basic', CREDENTIALS), { kind: 'denied', method: 'none' });
    assert.deepEqual(authenticate(undefined, CREDENTIALS), { kind: 'anonymous', method: 'none' });
  });
});

describe('parseRoute', () => {
  it('maps smart HTTP paths', () => {
    assert.deepEqual(parseRoute('GET', '/org/app.git/info/refs?service=git-receive-pack'), {
      repo: 'org/app',
      service: 'info-refs',
      advertised: 'git-receive-pack',
      writes: true,
      pathInfo: '/org/app.git/info/refs',
      query: 'service=git-receive-pack',
    });
    const upload = parseRoute('POST', '/app.git/git-upload-pack');
    assert.equal(upload?.service, 'git-upload-pack');
    assert.equal(upload.writes, false);
    assert.equal(parseRoute('POST', '/app.git/git-receive-pack')?.writes, true);
  });

  it('rejects wrong methods, dumb paths and traversal', () => {
    assert.equal(parseRoute('GET', '/app.git/git-upload-pack'), undefined);
    assert.equal(parseRoute('GET', '/app.git/HEAD'), undefined);
    assert.equal(parseRoute('GET', '/app.git/objects/info/packs'), undefined);
    assert.equal(parseRoute('GET', '/%2e%2e/app.git/info/refs'), undefined);
    assert.equal(parseRoute('GET', '/org/..%2f..%2fx.git/info/refs'), undefined);
    assert.equal(parseRoute('GET', '/%zz.git/info/refs'), undefined);
  });
});

describe('parseCgiHead', () => {
  it('extracts Status and keeps other headers', () => {
    assert.deepEqual(parseCgiHead('Status: 404 Not Found\r\nContent-Type: text/plain\r\nX-A: 1'), {
      status: 404,
      statusMessage: 'Not Found',
      headers: [
        ['Content-Type', 'text/plain'],
        ['X-A', '1'],
      ],
    });
    assert.equal(parseCgiHead('Content-Type: application/x-git-upload-pack-result').status, 200);
  });
});

describe('quotePath', () => {
  it('quotes safe paths and refuses escaping or malformed ones', () => {
    assert.equal(quotePath('dir/a "b".txt'), '"dir/a \\"b\\".txt"');
    for (const bad of ['', '/abs', 'a//b', '../x', 'a/./b', '.git/config', 'a\nb']) {
      assert.throws(() => quotePath(bad), /invalid file path/, bad);
    }
  });
});
