// `create … --export`: the manifests the create commands generate, as golden files.
// Nothing here needs a cluster; the SSH case reads host keys from a real SSH server
// (the test git server with a fixed host key) through ssh-keyscan.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startGitServer } from '../../../gitserver/index.js';
import type { GitServer } from '../../../gitserver/types.js';
import { assertGolden } from '../../resources/testdata/golden.js';
import { runTide } from '../../testdata/context.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const fixture = (name: string): string => path.join(testdata, name);
const golden = (name: string): string => path.join(testdata, `${name}.golden`);
// No kubeconfig anywhere: --export must not need a cluster.
const env = { KUBECONFIG: '/nonexistent/kubeconfig' };

async function exported(argv: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const res = await runTide(argv, { env });
  assert.equal(res.code, 0, res.stderr);
  // Every document must parse back as YAML.
  for (const doc of parseAllDocuments(res.stdout)) assert.deepEqual(doc.errors, [], res.stdout);
  return res;
}

describe('create source git --export', () => {
  it('a branch of a public HTTPS repository, with the defaults', async () => {
    const res = await exported([
      'create',
      'source',
      'git',
      'podinfo',
      '--url=https://github.com/stefanprodan/podinfo',
      '--branch=master',
      '--export',
    ]);
    assertGolden(golden('source-git-https'), res.stdout);
    assert.equal(res.stderr, '');
  });

  it('every spec flag', async () => {
    const res = await exported([
      'create',
      'source',
      'git',
      'apps',
      '-n',
      'team-a',
      '--url',
      'https://git.example.com/team-a/apps.git',
      '--tag-semver',
      '>=1.0.0 <2.0.0',
      '--secret-ref',
      'apps-auth',
      '--proxy-secret-ref',
      'corp-proxy',
      '--provider',
      'generic',
      '--recurse-submodules',
      '--ignore-paths',
      '/docs/,*.md',
      '--ignore-paths',
      'tests/',
      '--sparse-checkout-paths',
      'deploy,charts',
      '--fetch-timeout',
      '90s',
      '--interval',
      '5m',
      '--label',
      'team=a',
      '--label',
      'tier=apps',
      '--export',
    ]);
    assertGolden(golden('source-git-all-flags'), res.stdout);
  });

  it('a commit on a branch', async () => {
    const res = await exported([
      'create',
      'source',
      'git',
      'pinned',
      '--url=https://example.com/r',
      '--branch=main',
      '--commit=0123456789abcdef0123456789abcdef01234567',
      '--export',
    ]);
    assert.match(
      res.stdout,
      /ref:\n {4}branch: main\n {4}commit: 0123456789abcdef0123456789abcdef01234567\n/,
    );
  });

  it('credentials are referenced, not exported (the Secret is named like the source)', async () => {
    const res = await exported([
      'create',
      'source',
      'git',
      'private',
      '--url=https://example.com/r',
      '--branch=main',
      '-u',
      'git',
      '-p',
      's3cret',
      '--export',
    ]);
    assert.match(res.stdout, /secretRef:\n {4}name: private\n/);
    assert.doesNotMatch(res.stdout, /s3cret/);
    assert.match(res.stderr, /credentials are not exported: .*tide create secret git private/);
  });
});

describe('create kustomization --export', () => {
  it('a path of a GitRepository, pruned and waited for', async () => {
    const res = await exported([
      'create',
      'kustomization',
      'podinfo',
      '--source=GitRepository/podinfo',
      '--path=./kustomize',
      '--prune',
      '--wait',
      '--target-namespace=default',
      '--interval=10m',
      '--export',
    ]);
    assertGolden(golden('kustomization-basic'), res.stdout);
  });

  it('every spec flag', async () => {
    const res = await exported([
      'create',
      'ks',
      'apps',
      '-n',
      'team-a',
      '--source',
      'ocirepo/manifests.flux-system',
      '--path',
      'apps/prod/',
      '--health-check',
      'Deployment/web.team-a,hr/db.team-a',
      '--health-check',
      'StatefulSet/cache.team-a',
      '--health-check-timeout',
      '3m',
      '--depends-on',
      'infra',
      '--depends-on',
      'flux-system/crds',
      '--service-account',
      'team-a-deployer',
      '--decryption-provider',
      'sops',
      '--decryption-secret',
      'sops-age',
      '--kubeconfig-secret-ref',
      'prod-kubeconfig',
      '--retry-interval',
      '30s',
      '--interval',
      '1h',
      '--label',
      'team=a',
      '--export',
    ]);
    assertGolden(golden('kustomization-all-flags'), res.stdout);
  });
});

describe('create secret git --export', () => {
  it('HTTPS basic auth with a CA bundle', async () => {
    const res = await exported([
      'create',
      'secret',
      'git',
      'auth',
      '--url=https://git.example.com/org/repo',
      '-u',
      'git',
      '-p',
      's3cret',
      '--ca-crt-file',
      fixture('ca.pem'),
      '--export',
    ]);
    assertGolden(golden('secret-git-https'), res.stdout);
  });

  it('HTTPS bearer token', async () => {
    const res = await exported([
      'create',
      'secret',
      'git',
      'auth',
      '--url=https://git.example.com/org/repo',
      '--bearer-token',
      'tok3n',
      '--label',
      'team=a',
      '--export',
    ]);
    assertGolden(golden('secret-git-bearer'), res.stdout);
  });

  describe('SSH, with known_hosts read from the server', () => {
    let server: GitServer;
    before(async () => {
      server = await startGitServer({ sshHostKey: readFileSync(fixture('ssh-host.key'), 'utf8') });
    });
    after(async () => {
      await server.close();
    });
    // The server listens on a random port; the golden file has PORT in its place.
    const normalize = (text: string): string => text.replaceAll(String(server.sshPort), 'PORT');

    it('a key from --private-key-file', async () => {
      const res = await exported([
        'create',
        'secret',
        'git',
        'deploy',
        '--url',
        server.sshUrl('org/repo'),
        '--private-key-file',
        fixture('deploy-ecdsa.pem'),
        '--export',
      ]);
      assertGolden(golden('secret-git-ssh'), normalize(res.stdout));
      assert.ok(
        res.stdout.includes(server.sshKnownHosts.split(' ').slice(1).join(' ')),
        'the host key the server offers',
      );
    });

    it('an encrypted key with its passphrase', async () => {
      const res = await exported([
        'create',
        'secret',
        'git',
        'deploy',
        '--url',
        server.sshUrl('org/repo'),
        '--private-key-file',
        fixture('deploy-ed25519-encrypted.key'),
        '--password',
        'key-pass',
        '--export',
      ]);
      assertGolden(golden('secret-git-ssh-encrypted'), normalize(res.stdout));
    });

    it('a generated key pair of the chosen algorithm', async () => {
      const res = await exported([
        'create',
        'secret',
        'git',
        'deploy',
        '--url',
        server.sshUrl('org/repo'),
        '--ssh-key-algorithm',
        'ed25519',
        '--export',
      ]);
      assert.match(res.stdout, /identity: \|\n {4}-----BEGIN OPENSSH PRIVATE KEY-----/);
      assert.match(res.stdout, /identity\.pub: \|\n {4}ssh-ed25519 AAAA/);
      assert.match(res.stderr, /generating deploy key pair/);
    });

    it('create source git stops before any write when the deploy key was not added', async () => {
      // A cluster nobody listens on: the command must give up before its first request.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tide-kubeconfig-'));
      after(() => {
        rmSync(dir, { recursive: true, force: true });
      });
      const kubeconfig = path.join(dir, 'config');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
          'users: [{name: u, user: {token: t}}]',
          'contexts: [{name: c, context: {cluster: c, user: u}}]',
          'current-context: c',
          '',
        ].join('\n'),
      );
      const res = await runTide(
        ['create', 'source', 'git', 'app', '--url', server.sshUrl('org/repo'), '--branch', 'main'],
        { env: { KUBECONFIG: kubeconfig }, answers: [false] },
      );
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /► deploy key: ecdsa-sha2-nistp384 AAAA\S+\nHave you added the deploy key/);
      assert.match(res.stderr, /✗ aborted: add the deploy key to the repository/);
      assert.doesNotMatch(res.stderr, /applying/);
    });

    it('a server that does not answer is named with the flag to fix', async () => {
      const res = await runTide(
        [
          'create',
          'secret',
          'git',
          'deploy',
          '--url',
          'ssh://git@127.0.0.1:1/org/repo',
          '--private-key-file',
          fixture('deploy-ecdsa.pem'),
          '--export',
          '--timeout',
          '5s',
        ],
        { env },
      );
      assert.equal(res.code, 1);
      assert.match(
        res.stderr,
        /could not read the SSH host keys of 127\.0\.0\.1:1 .*check the host and port of --url/,
      );
    });
  });
});
