import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  KubeConfigError,
  loadDefaultKubeConfig,
  loadInClusterKubeConfig,
  loadKubeConfigFromFile,
  loadKubeConfigFromString,
  type KubeConfigOptions,
  type KubeConfigSource,
} from './kubeconfig.js';
import { transportFromKubeConfig } from './transport.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-kubeconfig-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let dirs = 0;
async function freshDir(): Promise<string> {
  const dir = path.join(tmp, `d${++dirs}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
/** TLS material as text (the loader gives Buffers). */
const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : `not a Buffer: ${typeof v}`);

function config(opts: { cluster?: string; user?: string; context?: string; current?: string } = {}): string {
  return `apiVersion: v1
kind: Config
${opts.current === '' ? '' : `current-context: ${opts.current ?? 'main'}`}
clusters:
  - name: c
    cluster:
      ${opts.cluster ?? 'server: https://127.0.0.1:6443'}
users:
  - name: u
    user:
      ${opts.user ?? 'token: static-token'}
contexts:
  - name: main
    context:
      ${opts.context ?? 'cluster: c\n      user: u\n      namespace: apps'}
  - name: other
    context: {cluster: c}
`;
}

async function applied(
  kc: KubeConfigSource,
): Promise<https.RequestOptions & { headers: Record<string, string> }> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts as https.RequestOptions & { headers: Record<string, string> };
}

function throwsKubeConfig(fn: () => unknown, ...parts: string[]): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof KubeConfigError, `expected KubeConfigError, got ${String(err)}`);
      for (const p of parts) assert.ok(err.message.includes(p), `"${err.message}" should name ${p}`);
      return true;
    },
    parts.join(', '),
  );
}

describe('parsing and credentials', () => {
  it('applies inline CA, client certificate, TLS server name and the token', async () => {
    const kc = loadKubeConfigFromString(
      config({
        cluster: `server: https://10.0.0.1:6443\n      certificate-authority-data: ${b64('CA PEM')}\n      tls-server-name: api.internal`,
        user: `token: abc\n      client-certificate-data: ${b64('CERT PEM')}\n      client-key-data: ${b64('KEY PEM')}`,
      }),
    );
    assert.equal(kc.getCurrentCluster().server, 'https://10.0.0.1:6443');
    assert.equal(kc.namespace, 'apps');
    const opts = await applied(kc);
    assert.equal(text(opts.ca), 'CA PEM');
    assert.equal(text(opts.cert), 'CERT PEM');
    assert.equal(text(opts.key), 'KEY PEM');
    assert.equal(opts.servername, 'api.internal');
    assert.equal(opts.rejectUnauthorized, undefined, 'TLS verification stays on');
    assert.equal(opts.headers.Authorization, 'Bearer abc');
  });

  it('turns off TLS verification only when asked, and keeps headers already set', async () => {
    const kc = loadKubeConfigFromString(
      config({ cluster: 'server: https://h:1\n      insecure-skip-tls-verify: true', user: 'as: jane' }),
    );
    const opts: https.RequestOptions = { headers: { 'X-Other': 'kept' } };
    await kc.applyToHTTPSOptions(opts);
    assert.equal(opts.rejectUnauthorized, false);
    assert.deepEqual(opts.headers, { 'X-Other': 'kept', 'Impersonate-User': 'jane' });
  });

  it('sends basic auth as an Authorization header', async () => {
    const kc = loadKubeConfigFromString(config({ user: 'username: admin\n      password: "s3:cret"' }));
    const opts = await applied(kc);
    assert.equal(opts.headers.Authorization, `Basic ${b64('admin:s3:cret')}`);
  });

  it('reads files, resolving relative paths against the kubeconfig directory', async () => {
    const dir = await freshDir();
    await mkdir(path.join(dir, 'pki'));
    await writeFile(path.join(dir, 'pki', 'ca.crt'), 'CA FROM FILE');
    await writeFile(path.join(dir, 'pki', 'client.crt'), 'CERT FROM FILE');
    await writeFile(path.join(dir, 'client.key'), 'KEY FROM FILE');
    await writeFile(path.join(dir, 'token'), 'file-token\n');
    const file = path.join(dir, 'config');
    await writeFile(
      file,
      config({
        cluster: 'server: https://h:1\n      certificate-authority: pki/ca.crt',
        user: `tokenFile: ./token\n      client-certificate: pki/client.crt\n      client-key: ${path.join(dir, 'client.key')}`,
      }),
    );
    const kc = loadKubeConfigFromFile(file);
    assert.equal(kc.cluster.certificateAuthority, path.join(dir, 'pki', 'ca.crt'));
    const opts = await applied(kc);
    assert.equal(text(opts.ca), 'CA FROM FILE');
    assert.equal(text(opts.cert), 'CERT FROM FILE');
    assert.equal(text(opts.key), 'KEY FROM FILE');
    assert.equal(opts.headers.Authorization, 'Bearer file-token');
  });

  it('resolves relative paths of a string against baseDir', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, 'ca.crt'), 'BASE DIR CA');
    const kc = loadKubeConfigFromString(
      config({ cluster: 'server: https://h:1\n      certificate-authority: ca.crt' }),
      {
        baseDir: dir,
      },
    );
    assert.equal(text((await applied(kc)).ca), 'BASE DIR CA');
  });

  it('re-reads the token file on every refresh and keeps the last good token when it is gone', async () => {
    const dir = await freshDir();
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, 'first');
    const kc = loadKubeConfigFromString(config({ user: `tokenFile: ${tokenFile}\n      token: static` }));
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer first', 'the token file wins over token');
    await writeFile(tokenFile, 'rotated\n');
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer rotated');
    await rm(tokenFile);
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer rotated');
  });

  it('names the file and field when a referenced file cannot be read', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'config');
    await writeFile(file, config({ user: 'tokenFile: missing-token' }));
    await assert.rejects(
      applied(loadKubeConfigFromFile(file)),
      (err: unknown) =>
        err instanceof KubeConfigError &&
        err.message.includes(file) &&
        err.message.includes('users[u].user.tokenFile') &&
        err.message.includes(path.join(dir, 'missing-token')) &&
        err.message.includes('ENOENT'),
    );
  });
});

describe('context selection and errors', () => {
  it('uses current-context unless a context is chosen', () => {
    const kc = loadKubeConfigFromString(config());
    assert.equal(kc.contextName, 'main');
    assert.equal(kc.user.name, 'u');
    const other = loadKubeConfigFromString(config(), { context: 'other' });
    assert.equal(other.contextName, 'other');
    assert.equal(other.user.name, '', 'a context without a user is anonymous');
    assert.equal(other.namespace, undefined);
  });

  it('fails naming what is missing or wrong', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'config');
    await writeFile(file, config({ cluster: 'server: 6443' }));
    throwsKubeConfig(() => loadKubeConfigFromFile(file), `kubeconfig ${file}`, 'clusters[c].cluster.server');
    throwsKubeConfig(() => loadKubeConfigFromFile(path.join(dir, 'nope')), path.join(dir, 'nope'), 'ENOENT');

    throwsKubeConfig(() => loadKubeConfigFromString(config({ current: '' })), 'current-context is not set');
    throwsKubeConfig(() => loadKubeConfigFromString(config({ current: 'gone' })), 'context "gone"');
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ context: 'cluster: elsewhere' })),
      'contexts[main].context.cluster',
      '"elsewhere"',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ context: 'cluster: c\n      user: nobody' })),
      'contexts[main].context.user',
      '"nobody"',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ cluster: 'certificate-authority-data: Zm9v' })),
      'clusters[c].cluster.server is required',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ user: 'token: [1]' })),
      'users[u].user.token must be a string',
    );
    throwsKubeConfig(
      () =>
        loadKubeConfigFromString(
          config({ cluster: 'server: https://h\n      insecure-skip-tls-verify: "yes"' }),
        ),
      'insecure-skip-tls-verify must be true or false',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ user: 'client-key-data: "not base64!"' })),
      'users[u].user.client-key-data must be base64',
    );
    throwsKubeConfig(() => loadKubeConfigFromString('clusters: {a: b}'), 'clusters must be a list');
    throwsKubeConfig(() => loadKubeConfigFromString('- a\n- b'), 'not a mapping');
    throwsKubeConfig(
      () => loadKubeConfigFromString('a: [b', { source: 'Secret ns/x' }),
      'Secret ns/x',
      'not valid YAML',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config() + '  - name: main\n    context: {cluster: c}\n'),
      'contexts[main] is defined twice',
    );
  });

  it('refuses what it does not support, naming it', () => {
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ user: 'auth-provider: {name: gcp}' })),
      'users[u].user.auth-provider',
      'exec plugin',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ user: 'as-groups: [a]' })),
      'users[u].user.as-groups',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ user: 'token: t\n      username: u' })),
      'users[u].user',
      'not both',
    );
    throwsKubeConfig(
      () => loadKubeConfigFromString(config({ user: `client-certificate-data: ${b64('c')}` })),
      'client-certificate and client-key',
    );
    throwsKubeConfig(
      () =>
        loadKubeConfigFromString(
          config({ user: 'exec: {command: x, apiVersion: client.authentication.k8s.io/v1alpha1}' }),
        ),
      'users[u].user.exec.apiVersion',
    );
    throwsKubeConfig(
      () =>
        loadKubeConfigFromString(
          config({
            user: 'exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always}',
          }),
        ),
      'interactiveMode',
    );
    // Entries the chosen context does not use are not checked beyond their types.
    const unused = config().replace(
      'users:\n',
      'users:\n  - name: legacy\n    user: {auth-provider: {name: oidc}, as-groups: [x]}\n',
    );
    assert.equal(loadKubeConfigFromString(unused).user.name, 'u');
  });
});

describe('default locations', () => {
  it('merges $KUBECONFIG: the first file to set a name or current-context wins', async () => {
    const one = await freshDir();
    const two = await freshDir();
    await writeFile(path.join(two, 'ca.crt'), 'CA OF TWO');
    await writeFile(
      path.join(one, 'config'),
      `clusters:
  - name: shared
    cluster: {server: https://one:6443}
users:
  - name: shared-user
    user: {token: one-token}
contexts:
  - name: ctx-two
    context: {cluster: shared, user: shared-user}
`,
    );
    await writeFile(
      path.join(two, 'config'),
      `current-context: ctx-two
clusters:
  - name: shared
    cluster: {server: https://two:6443}
  - name: only-two
    cluster: {server: https://two:6443, certificate-authority: ca.crt}
users:
  - name: shared-user
    user: {token: two-token}
contexts:
  - name: ctx-two
    context: {cluster: only-two, user: shared-user}
  - name: ctx-three
    context: {cluster: only-two}
`,
    );
    const list = [path.join(one, 'config'), path.join(tmp, 'does-not-exist'), path.join(two, 'config')];
    const env = { KUBECONFIG: list.join(path.delimiter) };
    const kc = loadDefaultKubeConfig(env, tmp);
    assert.equal(kc.contextName, 'ctx-two', 'current-context from the only file that sets it');
    assert.equal(
      kc.cluster.server,
      'https://one:6443',
      'context ctx-two of the first file, cluster shared of the first',
    );
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer one-token');
    const three = loadDefaultKubeConfig(env, tmp, { context: 'ctx-three' });
    assert.equal(three.cluster.server, 'https://two:6443');
    assert.equal(text((await applied(three)).ca), 'CA OF TWO', 'relative to the file that defines it');

    const reversed = loadDefaultKubeConfig({ KUBECONFIG: [...list].reverse().join(path.delimiter) }, tmp);
    assert.equal(reversed.cluster.server, 'https://two:6443');
    throwsKubeConfig(
      () => loadDefaultKubeConfig({ KUBECONFIG: path.join(tmp, 'nothing-here') }, tmp),
      'KUBECONFIG',
      'nothing-here',
    );
  });

  it('falls back to ~/.kube/config, then to the pod ServiceAccount', async () => {
    const home = await freshDir();
    await mkdir(path.join(home, '.kube'));
    await writeFile(path.join(home, '.kube', 'config'), config({ cluster: 'server: https://home:1' }));
    const inPod = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    assert.equal(loadDefaultKubeConfig(inPod, home).cluster.server, 'https://home:1');

    const sa = await freshDir();
    await writeFile(path.join(sa, 'token'), 'sa-token-1');
    await writeFile(path.join(sa, 'ca.crt'), 'CLUSTER CA');
    await writeFile(path.join(sa, 'namespace'), 'flux-system');
    const emptyHome = await freshDir();
    const kc = loadDefaultKubeConfig(inPod, emptyHome, { serviceAccountDir: sa });
    assert.equal(kc.cluster.server, 'https://10.96.0.1:443');
    assert.equal(kc.namespace, 'flux-system');
    const opts = await applied(kc);
    assert.equal(text(opts.ca), 'CLUSTER CA');
    assert.equal(opts.headers.Authorization, 'Bearer sa-token-1');
    await writeFile(path.join(sa, 'token'), 'sa-token-2');
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer sa-token-2', 'the token rotates');

    const v6 = loadInClusterKubeConfig(
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' },
      { serviceAccountDir: sa },
    );
    assert.equal(v6.cluster.server, 'https://[fd00::1]:6443');
    throwsKubeConfig(
      () => loadInClusterKubeConfig(inPod, { serviceAccountDir: emptyHome }),
      'in-cluster',
      path.join(emptyHome, 'token'),
    );
    throwsKubeConfig(() => loadDefaultKubeConfig({}, emptyHome), 'no kubeconfig', 'KUBERNETES_SERVICE_HOST');
  });
});

describe('exec plugins', () => {
  let script: string;
  before(async () => {
    script = path.join(await freshDir(), 'plugin.mjs');
    await writeFile(script, PLUGIN);
  });

  async function pluginConfig(
    mode: string,
    env: Record<string, string> = {},
    apiVersion = 'client.authentication.k8s.io/v1',
    opts: KubeConfigOptions = {},
  ): Promise<{
    kc: ReturnType<typeof loadKubeConfigFromString>;
    runs: () => Promise<number>;
    info: () => Promise<unknown>;
  }> {
    const counter = path.join(await freshDir(), 'runs');
    const exec = {
      command: process.execPath,
      args: [script, counter, mode],
      env: Object.entries({ TOKEN_PREFIX: 'exec', ...env }).map(([name, value]) => ({ name, value })),
      apiVersion,
      interactiveMode: 'IfAvailable',
      provideClusterInfo: true,
    };
    const kc = loadKubeConfigFromString(
      config({
        cluster: `server: https://10.0.0.1:6443\n      certificate-authority-data: ${b64('CA')}`,
        user: `exec: ${JSON.stringify(exec)}`,
      }),
      opts,
    );
    return {
      kc,
      runs: async () => Number(await readFile(counter, 'utf8').catch(() => '0')),
      info: async () => JSON.parse(await readFile(`${counter}.info`, 'utf8')) as unknown,
    };
  }

  it('runs the plugin with its args and env, and caches the credential until it expires', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const { kc, runs, info } = await pluginConfig('ok', { EXPIRES: '2030-01-01T01:00:00Z' }, undefined, {
      now: () => now,
      env: { FROM_PARENT: 'yes' },
    });
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer exec-1');
    assert.deepEqual(await info(), {
      parent: 'yes',
      execInfo: {
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        spec: {
          interactive: false,
          cluster: {
            server: 'https://10.0.0.1:6443',
            'insecure-skip-tls-verify': false,
            'certificate-authority-data': b64('CA'),
          },
        },
      },
    });
    now += 30 * 60_000;
    const both = await Promise.all([applied(kc), applied(kc)]);
    assert.deepEqual(
      both.map((o) => o.headers.Authorization),
      ['Bearer exec-1', 'Bearer exec-1'],
    );
    assert.equal(await runs(), 1, 'cached while valid');
    now = Date.parse('2030-01-01T00:59:30Z');
    assert.equal((await applied(kc)).headers.Authorization, 'Bearer exec-2', 'renewed shortly before expiry');
    assert.equal(await runs(), 2);
  });

  it('keeps a credential without expiry, and takes client certificates (v1beta1)', async () => {
    const { kc, runs } = await pluginConfig('cert', {}, 'client.authentication.k8s.io/v1beta1');
    const first = await applied(kc);
    assert.equal(text(first.cert), 'CERT FROM PLUGIN');
    assert.equal(text(first.key), 'KEY FROM PLUGIN');
    assert.equal(first.headers.Authorization, undefined);
    await applied(kc);
    assert.equal(await runs(), 1);
  });

  it('fails with the exit code and stderr, never with the token', async () => {
    const cases: [string, RegExp][] = [
      ['fail', /"[^"]+" exited with code 3: boom, Authorization: Bearer \*\*\*/],
      ['garbage', /not JSON/],
      [
        'wrong-version',
        /apiVersion "client.authentication.k8s.io\/v1beta1", asked for client.authentication.k8s.io\/v1/,
      ],
      ['no-status', /neither token nor clientCertificateData/],
    ];
    for (const [mode, expected] of cases) {
      const { kc } = await pluginConfig(mode);
      await assert.rejects(
        applied(kc),
        (err: unknown) => {
          assert.ok(err instanceof KubeConfigError, String(err));
          assert.match(err.message, expected);
          assert.ok(err.message.includes('users[u].user.exec'), err.message);
          assert.ok(!err.message.includes('exec-1'), `${mode}: the token leaked: ${err.message}`);
          return true;
        },
        mode,
      );
    }
    let now = Date.parse('2030-01-01T00:00:00Z');
    const flaky = await pluginConfig('flaky', { EXPIRES: '2030-01-01T00:10:00Z' }, undefined, {
      now: () => now,
    });
    assert.equal((await applied(flaky.kc)).headers.Authorization, 'Bearer exec-1');
    now += 10 * 60_000;
    await assert.rejects(applied(flaky.kc), (err: unknown) => {
      assert.ok(
        err instanceof Error && err.message.includes('exited with code 1: token *** was revoked'),
        String(err),
      );
      return true;
    });
    const missing = loadKubeConfigFromString(
      config({ user: 'exec: {command: tide-no-such-plugin, apiVersion: client.authentication.k8s.io/v1}' }),
    );
    await assert.rejects(applied(missing), /"tide-no-such-plugin" not found/);
  });
});

describe('transport', () => {
  it('turns the basic auth of client-node-shaped kubeconfigs into a header and refuses plain http', async () => {
    const shaped: KubeConfigSource = {
      getCurrentCluster: () => ({ server: 'https://127.0.0.1:1' }),
      applyToHTTPSOptions: (opts) => {
        opts.auth = 'admin:pw';
        return Promise.resolve();
      },
    };
    const transport = await transportFromKubeConfig(shaped);
    assert.deepEqual(await transport.headers(), { Authorization: `Basic ${b64('admin:pw')}` });
    await assert.rejects(
      transportFromKubeConfig({ ...shaped, getCurrentCluster: () => ({ server: 'http://127.0.0.1:1' }) }),
      /not https/,
    );
  });
});

describe('import graph', () => {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const IMPORT =
    /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

  /** Every module reachable from the entries through static and literal dynamic imports. */
  async function reachable(entries: string[]): Promise<Map<string, Set<string>>> {
    const graph = new Map<string, Set<string>>();
    const queue = [...entries];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (graph.has(file)) continue;
      const specifiers = new Set<string>();
      graph.set(file, specifiers);
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? '';
        if (!spec.startsWith('.')) {
          specifiers.add(spec);
          continue;
        }
        const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        specifiers.add(target);
        queue.push(target);
      }
    }
    return graph;
  }

  function importersOf(graph: Map<string, Set<string>>, pkg: string): string[] {
    return [...graph]
      .filter(([, specs]) => [...specs].some((s) => s === pkg || s.startsWith(`${pkg}/`)))
      .map(([f]) => f);
  }

  it('the controllers never load @kubernetes/client-node', async () => {
    const graph = await reachable([
      path.join(src, 'controllers/kustomize/kustomize-controller.ts'),
      path.join(src, 'controllers/source/source-controller.ts'),
    ]);
    for (const needed of [
      'runtime/client/kubeconfig.ts',
      'runtime/manager/manager.ts',
      'kustomization/tenant.ts',
    ])
      assert.ok(
        [...graph.keys()].some((f) => f.endsWith(needed)),
        `the walk reaches ${needed}`,
      );
    const offenders = importersOf(graph, '@kubernetes/client-node').map((f) => path.relative(src, f));
    assert.deepEqual(offenders, [], 'modules importing @kubernetes/client-node');
  });

  it('would notice it (the test environment does import it)', async () => {
    const graph = await reachable([path.join(src, 'testenv/env.ts')]);
    assert.ok(importersOf(graph, '@kubernetes/client-node').length > 0, 'env.ts imports client-node');
  });
});

/** The exec plugin used by the tests: a node script printing an ExecCredential. */
const PLUGIN = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const [counter, mode] = process.argv.slice(2);
const n = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
writeFileSync(counter, String(n));
const execInfo = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
writeFileSync(counter + '.info', JSON.stringify({ parent: process.env.FROM_PARENT, execInfo }));
const token = process.env.TOKEN_PREFIX + '-' + n;
let status = { token };
if (process.env.EXPIRES) status.expirationTimestamp = process.env.EXPIRES;
let apiVersion = execInfo.apiVersion;
switch (mode) {
  case 'fail':
    process.stdout.write(JSON.stringify({ apiVersion, kind: 'ExecCredential', status }));
    process.stderr.write('boom, Authorization: Bearer ' + token + '\\n');
    process.exit(3);
  case 'flaky':
    if (n > 1) {
      process.stderr.write('token ' + process.env.TOKEN_PREFIX + '-1 was revoked\\n');
      process.exit(1);
    }
    break;
  case 'garbage':
    process.stdout.write('token=' + token + ' is not JSON');
    process.exit(0);
  case 'wrong-version':
    apiVersion = 'client.authentication.k8s.io/v1beta1';
    break;
  case 'no-status':
    status = { expirationTimestamp: '2030-01-01T00:00:00Z', note: token };
    break;
  case 'cert':
    status = { clientCertificateData: 'CERT FROM PLUGIN', clientKeyData: 'KEY FROM PLUGIN' };
    break;
}
process.stdout.write(JSON.stringify({ apiVersion, kind: 'ExecCredential', status }));
`;
