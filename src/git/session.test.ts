import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitAuthError, GitError, GitNotFoundError, redact } from './errors.js';
import { classifyStderr } from './session.js';

describe('classifyStderr', () => {
  const cases: [string, unknown][] = [
    ["fatal: could not read Username for 'https://h': terminal prompts disabled", GitAuthError],
    ["fatal: Authentication failed for 'https://h/r.git/'", GitAuthError],
    ['git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.', GitAuthError],
    ['Host key verification failed.\nfatal: Could not read from remote repository.', GitAuthError],
    ["fatal: unable to access 'https://h/': The requested URL returned error: 403", GitAuthError],
    ["fatal: repository 'https://h/r.git/' not found", GitNotFoundError],
    ["fatal: couldn't find remote ref refs/heads/x", GitNotFoundError],
    ['fatal: remote error: upload-pack: not our ref 0000', GitNotFoundError],
    ["fatal: repository 'x' does not exist", GitNotFoundError],
    ["fatal: unable to access 'https://h/': CONNECT tunnel failed, response 407", GitAuthError],
    ['fatal: unable to access: Failed to connect to h port 1: Connection refused', GitError],
  ];
  for (const [stderr, type] of cases) {
    it(`classifies ${JSON.stringify(stderr.slice(0, 50))}`, () => {
      const { ErrorType, detail } = classifyStderr(stderr);
      assert.equal(ErrorType, type);
      assert.ok(!/please make sure/i.test(detail), 'noise kept');
    });
  }
});

describe('redact', () => {
  it('masks secrets, their base64 and URL credentials', () => {
    const out = redact('token s3cr3t-value and czNjcjN0LXZhbHVl at https://u:pw@h/x?sig=1', ['s3cr3t-value']);
    assert.ok(!out.includes('s3cr3t-value'), out);
    assert.ok(!out.includes('czNjcjN0LXZhbHVl'), out);
    assert.ok(!out.includes('pw@'), out);
    assert.ok(!out.includes('sig=1'), out);
  });
});
