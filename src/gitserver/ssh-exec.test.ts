import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRepoName, InvalidRepoNameError } from './repo-names.js';
import { parseGitExec, splitShellWords } from './ssh-exec.js';

describe('normalizeRepoName', () => {
  it('accepts nested names with or without .git and surrounding slashes', () => {
    assert.equal(normalizeRepoName('org/app'), 'org/app');
    assert.equal(normalizeRepoName('/org/app.git'), 'org/app');
    assert.equal(normalizeRepoName('app.git/'), 'app');
    assert.equal(normalizeRepoName('a_b/c-d.e'), 'a_b/c-d.e');
  });

  for (const bad of [
    '',
    '..',
    '../x',
    'a/../b',
    'a/./b',
    'a//b',
    '.hidden',
    '-x',
    'a b',
    'a\nb',
    'x.git/y',
    '~/x',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => normalizeRepoName(bad), InvalidRepoNameError);
    });
  }
});

describe('splitShellWords', () => {
  it('undoes git sq_quote', () => {
    assert.deepEqual(splitShellWords("git-upload-pack '/org/app.git'"), ['git-upload-pack', '/org/app.git']);
    assert.deepEqual(splitShellWords("cmd 'it'\\''s' 'a'\\!'b'"), ['cmd', "it's", 'a!b']);
  });

  it('refuses shell metacharacters outside quotes', () => {
    assert.equal(splitShellWords("git-upload-pack '/a.git'; rm -rf /"), undefined);
    assert.equal(splitShellWords('git-upload-pack $(id)'), undefined);
    assert.equal(splitShellWords("git-upload-pack 'unterminated"), undefined);
  });
});

describe('parseGitExec', () => {
  it('accepts the two git services', () => {
    assert.deepEqual(parseGitExec("git-upload-pack '/org/app.git'"), {
      ok: true,
      service: 'git-upload-pack',
      repo: 'org/app',
    });
    assert.deepEqual(parseGitExec("git receive-pack 'app.git'"), {
      ok: true,
      service: 'git-receive-pack',
      repo: 'app',
    });
  });

  it('refuses other commands', () => {
    for (const command of ['ls', "git-upload-archive '/a.git'", 'sh -c id', '']) {
      const parsed = parseGitExec(command);
      assert.ok(!parsed.ok, command);
      assert.equal(parsed.service, undefined);
    }
  });

  it('refuses paths escaping the root, keeping the service for the log', () => {
    for (const path of ['/../etc', '../../x.git', '/org/../../x.git', '/tmp/../..']) {
      const parsed = parseGitExec(`git-upload-pack '${path}'`);
      assert.ok(!parsed.ok, path);
      assert.equal(parsed.service, 'git-upload-pack');
      assert.equal(parsed.path, path);
    }
  });

  it('refuses extra arguments', () => {
    assert.equal(parseGitExec("git-upload-pack '/a.git' '/b.git'").ok, false);
    assert.equal(parseGitExec("git-upload-pack --strict '/a.git'").ok, false);
  });
});
