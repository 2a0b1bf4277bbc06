// The rendering half of the adversarial checklist
// (../shared/reference/security-and-reliability.md §4): A7, A9 and B11-B16,
// through the real helper pool.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { ensureRendererBinary } from './binary.js';
import { RenderError, Renderer } from './renderer.js';
import { substituteObject, SubstitutionError } from './substitute.js';

const deployment = (name: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers: [{name: app, image: nginx}]\n`;

/** A YAML billion-laughs: 9 levels of 9 aliases, ~387M nodes if expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++) {
    const refs = Array.from({ length: 9 }, () => `*a${String(i - 1)}`).join(',');
    lines.push(`a${String(i)}: &a${String(i)} [${refs}]`);
  }
  return lines.join('\n') + '\n';
}

describe('rendering security (A7, A9, B11-B16)', () => {
  let renderer: Renderer;
  let tmp: string;
  let spyLog: string;
  let spyDir: string;
  let pidsAtStart: number[];

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-render-security-'));
    // The spawn spy: every program the helper might start (by PATH or by an
    // absolute path we hand it) records its invocation.
    spyDir = path.join(tmp, 'spy-bin');
    spyLog = path.join(tmp, 'spawned.log');
    await mkdir(spyDir);
    const spy = `#!/bin/sh\necho "$0 $*" >> ${spyLog}\nexit 1\n`;
    for (const name of [
      'git',
      'helm',
      'kustomize',
      'sh',
      'bash',
      'docker',
      'podman',
      'ssh',
      'curl',
      'kubectl',
    ]) {
      await writeFile(path.join(spyDir, name), spy);
      await chmod(path.join(spyDir, name), 0o755);
    }
    const binary = await ensureRendererBinary({ cacheDir: defaultCacheDir(process.env) });
    renderer = await Renderer.start({
      binary,
      processes: 1,
      hardMemoryLimitMiB: 1500,
      env: { PATH: spyDir },
    });
    pidsAtStart = renderer.pids;
  });
  after(async () => {
    await renderer.close();
    await rm(tmp, { recursive: true, force: true });
  });

  async function tree(name: string, files: Record<string, string>): Promise<string> {
    const root = path.join(tmp, name);
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), content);
    }
    return root;
  }

  const rejectsWith = async (
    promise: Promise<unknown>,
    code: RenderError['code'],
    pattern: RegExp,
  ): Promise<RenderError> => {
    let caught: unknown;
    await assert.rejects(promise, (err: unknown) => {
      caught = err;
      return true;
    });
    assert.ok(caught instanceof RenderError, `a RenderError, got ${String(caught)}`);
    assert.equal(caught.code, code, caught.message);
    assert.match(caught.message, pattern);
    return caught;
  };

  it('A7: refuses kustomize resources and generator files outside the artifact root', async () => {
    const root = await tree('a7', {
      'app/kustomization.yaml': 'resources: [../../../etc]\n',
      'gen/kustomization.yaml': 'configMapGenerator:\n- name: env\n  files: [/proc/self/environ]\n',
      'abs/kustomization.yaml': 'resources: [/etc/passwd]\n',
      'link/kustomization.yaml': 'resources: [secret.yaml]\n',
      'outside.yaml': deployment('outside'),
    });
    await symlink('/etc/passwd', path.join(root, 'link', 'secret.yaml'));
    for (const dir of ['app', 'gen', 'abs', 'link']) {
      const err = await rejectsWith(
        renderer.kustomizeBuild({ root: path.join(root, dir), path: '.' }),
        'SecurityConstraint',
        /outside|root/i,
      );
      assert.doesNotMatch(err.message, /root:x:0:0|PATH=/, 'no content of the outside file');
    }
  });

  it('A9: refuses Helm values files and chart files outside the root', async () => {
    const root = await tree('a9', {
      'other-app/values.yaml': 'secret: from-another-tenant\n',
      'tenant/chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
      'tenant/chart/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  v: {{ .Values.secret | default "none" | quote }}\n',
    });
    const tenant = path.join(root, 'tenant');
    const base = { root: tenant, chart: 'chart', releaseName: 'c', namespace: 'default' };
    await rejectsWith(
      renderer.helmRender({ ...base, valuesFiles: ['../other-app/values.yaml'] }),
      'SecurityConstraint',
      /values/,
    );
    await symlink(path.join(root, 'other-app', 'values.yaml'), path.join(tenant, 'linked-values.yaml'));
    await rejectsWith(
      renderer.helmRender({ ...base, valuesFiles: ['linked-values.yaml'] }),
      'SecurityConstraint',
      /linked-values/,
    );
    await symlink('/etc/passwd', path.join(tenant, 'chart', 'templates', 'passwd.yaml'));
    const err = await rejectsWith(renderer.helmRender(base), 'SecurityConstraint', /passwd/);
    assert.doesNotMatch(err.message, /root:x:0:0/);
  });

  it('B11: refuses exec and container KRM functions and helmCharts, starting no process', async () => {
    const spyFn = path.join(spyDir, 'sh');
    const root = await tree('b11', {
      'exec/kustomization.yaml': 'resources: [cm.yaml]\ntransformers: [fn.yaml]\n',
      'exec/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'exec/fn.yaml': `apiVersion: example.com/v1\nkind: Evil\nmetadata:\n  name: evil\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ${spyFn}\n`,
      'container/kustomization.yaml': 'resources: [cm.yaml]\ngenerators: [fn.yaml]\n',
      'container/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'container/fn.yaml':
        'apiVersion: example.com/v1\nkind: Evil\nmetadata:\n  name: evil\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: evil/fn:latest\n',
      'helm/kustomization.yaml':
        'helmCharts:\n- name: nginx\n  repo: https://charts.example.invalid\n  version: 1.0.0\n',
    });
    for (const dir of ['exec', 'container', 'helm']) {
      await rejectsWith(
        renderer.kustomizeBuild({ root: path.join(root, dir), path: '.' }),
        'SecurityConstraint',
        /function|plugin|helm/i,
      );
    }
    const spawned = await readFile(spyLog, 'utf8').catch(() => '');
    assert.equal(spawned, '', `no process was started, the spy saw:\n${spawned}`);
  });

  it('B12: refuses remote bases when they are disabled, with zero outbound connections', async () => {
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const root = await tree('b12', {
        'git/kustomization.yaml': `resources:\n- http://127.0.0.1:${String(port)}/org/repo//base?ref=v1\n`,
        'https/kustomization.yaml': `resources:\n- https://127.0.0.1:${String(port)}/deploy.yaml\n`,
        'github/kustomization.yaml': 'resources:\n- github.com/org/repo//base?ref=v1\n',
        'nested/kustomization.yaml': 'resources: [../nested-base]\n',
        'nested-base/kustomization.yaml': `components:\n- git::http://127.0.0.1:${String(port)}/org/repo.git//comp?ref=main\n`,
      });
      for (const dir of ['git', 'https', 'github', 'nested']) {
        await rejectsWith(
          renderer.kustomizeBuild({ root, path: dir, allowRemoteBases: false }),
          'SecurityConstraint',
          /remote/i,
        );
      }
    } finally {
      server.close();
    }
    assert.equal(connections, 0, 'nothing connected to the "remote"');
    assert.equal(await readFile(spyLog, 'utf8').catch(() => ''), '', 'no git was started');
  });

  it('B13: cyclic kustomizations fail within bounds and the helper stays', async () => {
    const root = await tree('b13', {
      'a/kustomization.yaml': 'resources: [../b]\n',
      'b/kustomization.yaml': 'resources: [../a]\n',
      'self/kustomization.yaml': 'resources: [.]\n',
      'comp/kustomization.yaml': 'components: [../loop]\n',
      'loop/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents: [../loop]\n',
    });
    for (const dir of ['a', 'self', 'comp']) {
      const started = performance.now();
      await rejectsWith(
        renderer.kustomizeBuild({ root, path: dir }, { timeoutMs: 20_000 }),
        'BuildFailed',
        /cycle|recursion|visited|already/i,
      );
      assert.ok(performance.now() - started < 20_000, 'failed before the deadline');
    }
    assert.deepEqual(renderer.pids, pidsAtStart, 'the helper is the same process');
  });

  it('B14: malformed input fails that render only; the helper lives', async () => {
    const root = await tree('b14', {
      'badyaml/kustomization.yaml': 'resources: [bad.yaml]\n',
      'badyaml/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n  data: [\n',
      'list/kustomization.yaml': 'resources: [list.yaml]\n',
      'list/list.yaml': '- a\n- b\n',
      'nokind/kustomization.yaml': 'resources: [nokind.yaml]\n',
      'nokind/nokind.yaml': 'metadata:\n  name: x\n',
      'binary/kustomization.yaml': 'resources: [blob.yaml]\n',
      'badkust/kustomization.yaml': 'resources: {not: a list}\npatches: [{}]\n',
      'badpatch/kustomization.yaml':
        'resources: [d.yaml]\npatches:\n- patch: "- op: replace\\n  path: /spec/nope/0\\n  value: 1"\n  target: {kind: Deployment}\n',
      'badpatch/d.yaml': deployment('d'),
    });
    await writeFile(
      path.join(root, 'binary', 'blob.yaml'),
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c, 0x00, 0x7f]),
    );
    for (const dir of ['badyaml', 'list', 'nokind', 'binary', 'badkust', 'badpatch']) {
      await rejectsWith(
        renderer.kustomizeBuild({ root: path.join(root, dir), path: '.' }),
        'BuildFailed',
        /./,
      );
    }
    const chartRoot = await tree('b14-chart', {
      'c/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
      'c/templates/x.yaml': '{{ .Values.a.b.c.d }}\n{{ template "missing" }}\n',
      'd/Chart.yaml': ': not yaml: [\n',
    });
    await rejectsWith(
      renderer.helmRender({ root: chartRoot, chart: 'c', releaseName: 'c', namespace: 'n' }),
      'BuildFailed',
      /./,
    );
    await rejectsWith(
      renderer.helmRender({ root: chartRoot, chart: 'd', releaseName: 'd', namespace: 'n' }),
      'BuildFailed',
      /Chart\.yaml/,
    );
    assert.deepEqual(renderer.pids, pidsAtStart, 'the helper is the same process');
    assert.equal(renderer.restartCount, 0, 'no helper was replaced');
  });

  it('B15: YAML alias bombs in manifests and Helm values are refused with bounded memory', async () => {
    const root = await tree('b15', {
      'k/kustomization.yaml': 'resources: [bomb.yaml]\n',
      'k/bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  ${aliasBomb().replace(/\n/g, '\n  ')}`,
      'c/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
      'c/templates/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      'bomb-values.yaml': aliasBomb(),
    });
    await rejectsWith(
      renderer.kustomizeBuild({ root, path: 'k' }, { timeoutMs: 30_000 }),
      'BuildFailed',
      /alias/i,
    );
    await rejectsWith(
      renderer.helmRender(
        { root, chart: 'c', releaseName: 'c', namespace: 'n', valuesFiles: ['bomb-values.yaml'] },
        { timeoutMs: 30_000 },
      ),
      'BuildFailed',
      /alias/i,
    );
    assert.deepEqual(renderer.pids, pidsAtStart, 'the helper survived (it was never over its memory cap)');
  });

  it('B16: strict substitution fails on an undefined variable; $${escaped} stays literal', async () => {
    const root = await tree('b16', {
      'kustomization.yaml': 'resources: [cm.yaml]\n',
      'cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: ${DEFINED}\n  b: $${ESCAPED}\n  c: ${UNDEFINED_VAR}\n',
    });
    const yaml = await renderer.kustomizeBuild({ root, path: '.' });
    const { parse } = await import('yaml');
    const obj = parse(yaml) as Record<string, unknown>;
    assert.throws(
      () => substituteObject(obj, { DEFINED: 'x' }, { strict: true }),
      (err: unknown) =>
        err instanceof SubstitutionError &&
        /UNDEFINED_VAR/.test(err.message) &&
        /ConfigMap\/cm|cm/.test(err.message),
    );
    // Without strict mode the variable becomes empty, which YAML reads as null (Flux before 2.9).
    const lenient = substituteObject(obj, { DEFINED: 'x' }, { strict: false }) as {
      data: Record<string, unknown>;
    };
    assert.deepEqual(lenient.data, { a: 'x', b: '${ESCAPED}', c: null });
  });
});
