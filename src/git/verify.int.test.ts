import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { GitRepositoryRef } from '../api/source/gitrepository.js';
import type { Repo } from '../gitserver/index.js';
import { checkout } from './checkout.js';
import { VerificationError, type VerificationFailure } from './errors.js';
import { startGitFixture, type GitFixture } from './test-fixtures.js';
import type { GitAuth } from './types.js';
import { verifyCommit, verifyTag } from './verify.js';

const run = promisify(execFile);
const TIMEOUT_MS = 20_000;

let fx: GitFixture;
let repo: Repo;
let auth: GitAuth;
let gnupgHome: string;
const pgp = { trusted: { fpr: '', keyId: '', armored: '' }, stranger: { fpr: '', keyId: '' } };
const ssh = { trusted: { path: '', pub: '', fingerprint: '' }, stranger: { path: '' } };
let keys: Record<string, string>;

async function gpg(args: string[]): Promise<string> {
  return (
    await run('gpg', ['--batch', '--quiet', ...args], {
      env: { PATH: process.env.PATH, GNUPGHOME: gnupgHome },
    })
  ).stdout;
}

async function gpgKey(uid: string): Promise<{ fpr: string; keyId: string }> {
  await gpg(['--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never']);
  const listing = await gpg(['--with-colons', '--list-keys', uid]);
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1] ?? '';
  return { fpr, keyId: fpr.slice(-16) };
}

async function sshKey(name: string): Promise<{ path: string; pub: string; fingerprint: string }> {
  const path = join(fx.scratch, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  const fingerprint = (await run('ssh-keygen', ['-l', '-f', `${path}.pub`])).stdout.split(' ')[1] ?? '';
  return { path, pub: await readFile(`${path}.pub`, 'utf8'), fingerprint };
}

/** Signing settings for git: `pgp:<fpr>` or `ssh:<key path>`. */
function signing(signer: string): string[] {
  const [format, key = ''] = signer.split(/:(.*)/s);
  return format === 'ssh'
    ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`]
    : ['-c', 'gpg.program=gpg', '-c', `user.signingkey=${key}`];
}

before(async () => {
  fx = await startGitFixture();
  auth = fx.basicAuth();
  gnupgHome = await mkdtemp(join(fx.scratch, 'gpg-'));
  const trusted = await gpgKey('Trusted <trusted@tide.invalid>');
  pgp.trusted = { ...trusted, armored: await gpg(['--armor', '--export', trusted.fpr]) };
  pgp.stranger = await gpgKey('Stranger <stranger@tide.invalid>');
  ssh.trusted = await sshKey('trusted_ssh');
  ssh.stranger = await sshKey('stranger_ssh');
  keys = { 'trusted.asc': pgp.trusted.armored, 'trusted.sshpub': ssh.trusted.pub };

  repo = await fx.server.createRepo('org/signed', { defaultBranch: 'master' });
  await repo.commit({ 'README.md': 'signed\n' });
  const work = await fx.workClone(repo);
  const env = { GNUPGHOME: gnupgHome };
  const git = (args: string[], input?: string) =>
    fx.git(args, { cwd: work, env, ...(input === undefined ? {} : { input }) });
  const branches: [string, string | undefined][] = [
    ['pgp', `pgp:${pgp.trusted.fpr}`],
    ['ssh', `ssh:${ssh.trusted.path}`],
    ['unsigned', undefined],
    ['stranger-pgp', `pgp:${pgp.stranger.fpr}`],
    ['stranger-ssh', `ssh:${ssh.stranger.path}`],
  ];
  for (const [branch, signer] of branches) {
    await git(['checkout', '--quiet', '-B', branch, 'origin/master']);
    await git([
      ...(signer === undefined ? [] : signing(signer)),
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      `on ${branch}`,
      ...(signer === undefined ? [] : ['-S']),
    ]);
    if (branch === 'pgp')
      await git([...signing(`pgp:${pgp.trusted.fpr}`), 'tag', '-s', '-m', 'pgp release', 'v1.0.0']);
    if (branch === 'ssh')
      await git([...signing(`ssh:${ssh.trusted.path}`), 'tag', '-s', '-m', 'ssh release', 'v2.0.0']);
    if (branch === 'unsigned') {
      await git(['tag', 'light']);
      await git(['tag', '-a', '-m', 'not signed', 'plain']);
    }
  }
  // Tampered copies: same signature, different content.
  for (const source of ['pgp', 'ssh']) {
    const raw = await git(['cat-file', 'commit', source]);
    const forged = (
      await git(['hash-object', '-t', 'commit', '-w', '--stdin'], raw.replace(`on ${source}`, 'forged'))
    ).trim();
    await git(['update-ref', `refs/heads/tampered-${source}`, forged]);
  }
  const rawTag = await git(['cat-file', 'tag', 'v1.0.0']);
  const forgedTag = (
    await git(['hash-object', '-t', 'tag', '-w', '--stdin'], rawTag.replace('pgp release', 'forged release'))
  ).trim();
  await git(['update-ref', 'refs/tags/v1.0.1', forgedTag]);
  await git(['push', '--quiet', '--force', 'origin', 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
});

after(async () => {
  await run('gpgconf', ['--kill', 'gpg-agent'], {
    env: { PATH: process.env.PATH, GNUPGHOME: gnupgHome },
  }).catch(() => undefined);
  await fx.close();
});

async function fetch(ref: GitRepositoryRef) {
  const dir = fx.freshPath('verify');
  const result = await checkout({
    url: repo.httpsUrl,
    auth,
    ref,
    dir,
    timeoutMs: TIMEOUT_MS,
    tempDir: fx.tempDir,
  });
  return { dir, result };
}

async function assertFails(promise: Promise<unknown>, reason: VerificationFailure): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerificationError, `expected VerificationError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

describe('signature verification', () => {
  it('HEAD signed with OpenPGP: signer is the key ID', async () => {
    const { dir, result } = await fetch({ branch: 'pgp' });
    assert.deepEqual(await verifyCommit({ dir, commit: result.commit, keys }), {
      verified: true,
      signer: pgp.trusted.keyId,
    });
  });

  it('HEAD signed with SSH: signer is the SHA256 fingerprint', async () => {
    const { dir, result } = await fetch({ branch: 'ssh' });
    assert.match(ssh.trusted.fingerprint, /^SHA256:/);
    assert.deepEqual(await verifyCommit({ dir, commit: result.commit, keys }), {
      verified: true,
      signer: ssh.trusted.fingerprint,
    });
  });

  it('Tag and TagAndHEAD with an OpenPGP-signed tag fetched shallowly', async () => {
    const { dir, result } = await fetch({ tag: 'v1.0.0' });
    assert.ok(result.tagObject !== undefined, 'annotated tag object reported');
    assert.deepEqual(await verifyTag({ dir, tag: 'v1.0.0', keys }), {
      verified: true,
      signer: pgp.trusted.keyId,
    });
    assert.equal((await verifyCommit({ dir, commit: result.commit, keys })).signer, pgp.trusted.keyId);
  });

  it('Tag and TagAndHEAD with an SSH-signed tag chosen by semver', async () => {
    const { dir, result } = await fetch({ semver: '^2.0.0' });
    assert.equal(result.revision.split('@')[0], 'v2.0.0');
    assert.equal((await verifyTag({ dir, tag: 'v2.0.0', keys })).signer, ssh.trusted.fingerprint);
    assert.equal((await verifyCommit({ dir, commit: result.commit, keys })).signer, ssh.trusted.fingerprint);
  });

  it('unsigned commit, lightweight tag and unsigned annotated tag fail as unsigned', async () => {
    const { dir, result } = await fetch({ branch: 'unsigned' });
    await assertFails(verifyCommit({ dir, commit: result.commit, keys }), 'unsigned');
    const light = await fetch({ tag: 'light' });
    await assertFails(verifyTag({ dir: light.dir, tag: 'light', keys }), 'unsigned');
    const plain = await fetch({ tag: 'plain' });
    await assertFails(verifyTag({ dir: plain.dir, tag: 'plain', keys }), 'unsigned');
  });

  it('signatures by keys not in the Secret fail as unknown-key', async () => {
    for (const branch of ['stranger-pgp', 'stranger-ssh']) {
      const { dir, result } = await fetch({ branch });
      await assertFails(verifyCommit({ dir, commit: result.commit, keys }), 'unknown-key');
    }
    const { dir, result } = await fetch({ branch: 'pgp' });
    await assertFails(
      verifyCommit({ dir, commit: result.commit, keys: { 'only.sshpub': ssh.trusted.pub } }),
      'unknown-key',
    );
  });

  it('tampered commits and tags fail as invalid-signature', async () => {
    for (const branch of ['tampered-pgp', 'tampered-ssh']) {
      const { dir, result } = await fetch({ branch });
      await assertFails(verifyCommit({ dir, commit: result.commit, keys }), 'invalid-signature');
    }
    const { dir } = await fetch({ tag: 'v1.0.1' });
    await assertFails(verifyTag({ dir, tag: 'v1.0.1', keys }), 'invalid-signature');
  });

  it('a Secret entry that is not a key fails as invalid-keys, naming the entry', async () => {
    const { dir, result } = await fetch({ branch: 'pgp' });
    await assert.rejects(
      verifyCommit({ dir, commit: result.commit, keys: { ...keys, 'broken.asc': 'garbage' } }),
      (error: unknown) => {
        assert.ok(error instanceof VerificationError && error.reason === 'invalid-keys', String(error));
        assert.match(error.message, /broken\.asc/);
        return true;
      },
    );
  });
});
