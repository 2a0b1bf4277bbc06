import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './client.js';

describe('retryDelayMs', () => {
  it('retries 429 after Retry-After (1s when absent), capped at 10s', () => {
    assert.equal(retryDelayMs(429, '1'), 1000);
    assert.equal(retryDelayMs(429, undefined), 1000);
    assert.equal(retryDelayMs(429, '0'), 0);
    assert.equal(retryDelayMs(429, '3600'), 10_000);
    assert.equal(retryDelayMs(429, 'soon'), 1000);
  });

  it('retries a 5xx only when the server names a delay', () => {
    assert.equal(retryDelayMs(503, '2'), 2000);
    assert.equal(retryDelayMs(503, undefined), undefined);
    assert.equal(retryDelayMs(500, undefined), undefined);
  });

  it('never retries other answers', () => {
    for (const status of [400, 401, 403, 404, 409, 410, 422])
      assert.equal(retryDelayMs(status, '1'), undefined);
  });
});
