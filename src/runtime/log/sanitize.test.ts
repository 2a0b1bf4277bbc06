import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';
import { sanitizeText } from './sanitize.js';

describe('sanitizeText', () => {
  const cases: [string, string][] = [
    [
      'clone https://user:s3cret@git.example.com/org/repo.git failed',
      'clone https://git.example.com/org/repo.git failed',
    ],
    [
      'GET https://bucket.example.com/o?X-Amz-Signature=abc&x=1: 403',
      'GET https://bucket.example.com/o: 403',
    ],
    ['ssh://git@github.com/org/repo', 'ssh://github.com/org/repo'],
    [
      'header Authorization: Bearer eyJhbGciOi.abc.def rejected',
      'header Authorization: Bearer [redacted] rejected',
    ],
    [
      'key -----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY----- bad',
      'key [redacted private key] bad',
    ],
    ['nothing to hide', 'nothing to hide'],
  ];
  for (const [input, want] of cases) {
    it(`cleans ${JSON.stringify(input.slice(0, 30))}`, () => {
      assert.equal(sanitizeText(input), want);
    });
  }
});

describe('logger', () => {
  it('writes one JSON object per line, filters by level and redacts fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(0) }).with({
      controller: 'test',
    });
    log.debug('hidden');
    log.info('fetched', { url: 'https://u:p@h/x?token=1', count: 2 });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0] ?? ''), {
      level: 'info',
      ts: '1970-01-01T00:00:00.000Z',
      msg: 'fetched',
      controller: 'test',
      url: 'https://h/x',
      count: 2,
    });
  });
});
