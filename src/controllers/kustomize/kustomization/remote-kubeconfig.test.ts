import assert from 'node:assert/strict';
import type https from 'node:https';
import { test } from 'node:test';
import { KubeConfigRefused, loadRemoteKubeConfig } from './remote-kubeconfig.js';

function kubeconfig(
  user: string,
  cluster = 'server: https://127.0.0.1:6443\n      certificate-authority-data: Zm9v',
): string {
  return `apiVersion: v1
kind: Config
current-context: c
contexts:
  - name: c
    context: {cluster: c, user: u}
clusters:
  - name: c
    cluster:
      ${cluster}
users:
  - name: u
    user:
      ${user}
`;
}

test('a kubeconfig with inline credentials loads', () => {
  const kc = loadRemoteKubeConfig(kubeconfig('token: abc'), 'Secret ns/remote');
  assert.equal(kc.getCurrentCluster().server, 'https://127.0.0.1:6443');
});

test('the loaded kubeconfig carries its inline credentials', async () => {
  const kc = loadRemoteKubeConfig(
    kubeconfig('client-certificate-data: Y2VydA==\n      client-key-data: a2V5'),
    'Secret ns/remote',
  );
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  assert.deepEqual(opts.ca, Buffer.from('foo'));
  assert.deepEqual(opts.cert, Buffer.from('cert'));
  const bearer: https.RequestOptions = {};
  await loadRemoteKubeConfig(kubeconfig('token: abc'), 'S').applyToHTTPSOptions(bearer);
  assert.deepEqual(bearer.headers, { Authorization: 'Bearer abc' });
});

test('a kubeconfig the loader rejects is refused, naming the Secret', () => {
  const noContext = kubeconfig('token: abc').replace('current-context: c\n', '');
  assert.throws(
    () => loadRemoteKubeConfig(noContext, 'Secret ns/remote'),
    (err: unknown) =>
      err instanceof KubeConfigRefused &&
      err.message.startsWith('Secret ns/remote: ') &&
      err.message.includes('current-context'),
  );
  assert.throws(
    () => loadRemoteKubeConfig(kubeconfig('token: abc', 'certificate-authority-data: Zm9v'), 'S'),
    (err: unknown) => err instanceof KubeConfigRefused && err.message.includes('clusters[c].cluster.server'),
  );
});

test('exec, auth-provider and file references are refused, naming the field', () => {
  const cases: [string, string][] = [
    [
      'exec: {command: /bin/sh, args: [-c, id], apiVersion: client.authentication.k8s.io/v1}',
      'users[u].user.exec',
    ],
    ['auth-provider: {name: gcp}', 'users[u].user.auth-provider'],
    ['tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token', 'users[u].user.tokenFile'],
    ['client-certificate: /etc/passwd', 'users[u].user.client-certificate'],
    ['client-key: /etc/shadow', 'users[u].user.client-key'],
  ];
  for (const [user, field] of cases) {
    assert.throws(
      () => loadRemoteKubeConfig(kubeconfig(user), 'Secret ns/remote'),
      (err: unknown) =>
        err instanceof KubeConfigRefused &&
        err.message.includes(field) &&
        err.message.includes('Secret ns/remote'),
      field,
    );
  }
});

test('cluster CA files and insecure-skip-tls-verify are refused unless allowed', () => {
  assert.throws(
    () =>
      loadRemoteKubeConfig(
        kubeconfig('token: abc', 'server: https://h\n      certificate-authority: /etc/ca.pem'),
        'S',
      ),
    /clusters\[c\]\.cluster\.certificate-authority is not allowed/,
  );
  const insecure = kubeconfig('token: abc', 'server: https://h\n      insecure-skip-tls-verify: true');
  assert.throws(() => loadRemoteKubeConfig(insecure, 'S'), /insecure-skip-tls-verify is not allowed/);
  assert.doesNotThrow(() => loadRemoteKubeConfig(insecure, 'S', { allowInsecureTls: true }));
});

test('garbage and alias bombs are refused without loading', () => {
  assert.throws(() => loadRemoteKubeConfig(': : :\n\t-', 'S'), KubeConfigRefused);
  const bomb = [
    'a: &a [x,x,x,x,x,x,x,x,x]',
    ...Array.from(
      { length: 60 },
      (_, i) => `b${i}: &b${i} [*${i === 0 ? 'a' : `b${i - 1}`}, *${i === 0 ? 'a' : `b${i - 1}`}]`,
    ),
  ].join('\n');
  assert.throws(() => loadRemoteKubeConfig(bomb, 'S'), KubeConfigRefused);
});
