// GitRepository signature verification: commits and tags signed with SSH keys verify
// against the keys in spec.verify.secretRef; unsigned or foreign signatures are
// rejected with SourceVerified=False and no new artifact.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually } from '../../../testenv/eventually.js';
import {
  conditionOf,
  createSecret,
  gitRepository,
  readGitRepository,
  requestReconcile,
  startSourceHarness,
  waitHandled,
  waitReady,
  type SourceHarness,
} from '../testdata/harness.js';
import { GitRepositories } from './reconcile-include.js';

const run = promisify(execFile);
let h: SourceHarness;
let scratch: string;

before(async () => {
  h = await startSourceHarness();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'tide-verify-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
  await h.stop();
});

async function sshKey(name: string): Promise<{ path: string; pub: string }> {
  const file = path.join(scratch, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { path: file, pub: await readFile(`${file}.pub`, 'utf8') };
}

/** A working clone pushing to the test server, with signing helpers. */
async function workClone(url: string): Promise<(args: string[]) => Promise<string>> {
  const dir = await mkdtemp(path.join(scratch, 'work-'));
  const authed = url.replace(
    'https://',
    `https://${h.git.credentials.username}:${h.git.credentials.password}@`,
  );
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: scratch,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_SSL_CAINFO: h.git.caCertPath,
    GIT_AUTHOR_NAME: 'Signer',
    GIT_AUTHOR_EMAIL: 'signer@tide.invalid',
    GIT_COMMITTER_NAME: 'Signer',
    GIT_COMMITTER_EMAIL: 'signer@tide.invalid',
  };
  await run('git', ['clone', '--quiet', authed, dir], { env });
  return async (args) => (await run('git', args, { cwd: dir, env })).stdout;
}

function signWith(key: string): string[] {
  return ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`];
}

describe('GitRepository verification', () => {
  it('verifies signed commits and tags, and rejects unsigned and foreign signatures without a new artifact', async (t) => {
    const ns = await h.env.createNamespace(t);
    const trusted = await sshKey('trusted');
    const stranger = await sshKey('stranger');
    const repo = await h.git.createRepo(`${ns}/signed`, { defaultBranch: 'main' });
    await repo.commit({ 'app.yaml': 'v: 0\n' });
    const git = await workClone(repo.httpsUrl);
    await git([
      ...signWith(trusted.path),
      'commit',
      '--quiet',
      '--allow-empty',
      '-S',
      '-m',
      'signed by trusted',
    ]);
    await git([...signWith(trusted.path), 'tag', '-s', '-m', 'release', 'v1.0.0']);
    await git(['push', '--quiet', 'origin', 'main', 'v1.0.0']);
    const signedHead = (await git(['rev-parse', 'HEAD'])).trim();

    await createSecret(h.client, ns, 'auth', {
      username: h.git.credentials.username,
      password: h.git.credentials.password,
      'ca.crt': h.git.caCertPem,
    });
    await createSecret(h.client, ns, 'keys', { 'trusted.sshpub': trusted.pub });
    const base = { url: repo.httpsUrl, interval: '10m', secretRef: { name: 'auth' } };
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'head', {
        ...base,
        ref: { branch: 'main' },
        verify: { mode: 'HEAD', secretRef: { name: 'keys' } },
      }),
    );
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'tag', {
        ...base,
        ref: { tag: 'v1.0.0' },
        verify: { mode: 'TagAndHEAD', secretRef: { name: 'keys' } },
      }),
    );

    const head = await waitReady(h.client, ns, 'head');
    assert.equal(head.status?.artifact?.revision, `main@sha1:${signedHead}`);
    assert.equal(conditionOf(head, 'SourceVerified')?.status, 'True');
    assert.match(conditionOf(head, 'SourceVerified')?.message ?? '', /SHA256:/);
    const tag = await waitReady(h.client, ns, 'tag');
    assert.equal(conditionOf(tag, 'SourceVerified')?.status, 'True');
    assert.match(conditionOf(tag, 'SourceVerified')?.message ?? '', /tag 'v1\.0\.0'.*commit/);

    for (const [label, args] of [
      ['unsigned', ['commit', '--quiet', '--allow-empty', '-m', 'not signed']],
      [
        'foreign',
        [
          ...signWith(stranger.path),
          'commit',
          '--quiet',
          '--allow-empty',
          '-S',
          '-m',
          'signed by a stranger',
        ],
      ],
    ] as const) {
      await git([...args]);
      await git(['push', '--quiet', 'origin', 'main']);
      const token = await requestReconcile(h.client, ns, 'head');
      const obj = await waitHandled(h.client, ns, 'head', token);
      assert.equal(
        conditionOf(obj, 'SourceVerified')?.status,
        'False',
        `${label}: ${JSON.stringify(obj.status?.conditions)}`,
      );
      assert.equal(conditionOf(obj, 'Ready')?.status, 'False', label);
      assert.equal(conditionOf(obj, 'Ready')?.reason, 'VerificationError', label);
      assert.deepEqual(obj.status?.artifact, head.status.artifact, `${label}: no new artifact`);
    }
    const files = await eventually(async () => {
      const o = await readGitRepository(h.client, ns, 'head');
      return o.status?.artifact?.path;
    });
    assert.equal(files, head.status.artifact.path, 'the verified artifact is still the current one');
  });
});
