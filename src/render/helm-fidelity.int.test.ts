// Helm fidelity: every case of testdata/charts/cases.yaml is rendered by the
// upstream `helm template` (built from the renderer's own go.mod) and by
// Tide's helm.render; the `helm template` output composed from Tide's result
// must be byte-identical, and a case Helm refuses must be refused by Tide
// with Helm's message. Needs no cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { ensureUpstreamTools } from './binary.js';
import { RenderError, Renderer } from './renderer.js';
import type { HelmHook, HelmRenderParams, HelmRenderResult } from './types.js';

const chartsRoot = path.join(import.meta.dirname, 'testdata', 'charts');

interface ExpectedHook {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly events: readonly string[];
  readonly weight: number;
  readonly deletePolicies: readonly string[];
}

interface FidelityCase {
  readonly name: string;
  readonly chart: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly kubeVersion: string;
  readonly valuesFiles: readonly string[];
  readonly values?: Record<string, unknown>;
  readonly isUpgrade: boolean;
  readonly includeCRDs: boolean;
  readonly apiVersions: readonly string[];
  readonly packaged: boolean;
  readonly expectError?: string;
  readonly notes?: string;
  readonly hooks?: readonly ExpectedHook[];
}

// ---- cases.yaml ----

type Fields = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field<T>(
  o: Fields,
  key: string,
  where: string,
  check: (v: unknown) => v is T,
  what: string,
): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw new Error(`${where}: ${key} must be ${what}`);
  return v;
}

function required<T>(o: Fields, key: string, where: string, check: (v: unknown) => v is T, what: string): T {
  const v = field(o, key, where, check, what);
  if (v === undefined) throw new Error(`${where}: ${key} is required`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isInteger = (v: unknown): v is number => Number.isInteger(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isList = (v: unknown): v is unknown[] => Array.isArray(v);

const caseKeys = new Set([
  'name',
  'chart',
  'releaseName',
  'namespace',
  'kubeVersion',
  'valuesFiles',
  'values',
  'isUpgrade',
  'includeCRDs',
  'apiVersions',
  'packaged',
  'expectError',
  'notes',
  'hooks',
]);

function parseHook(raw: unknown, where: string): ExpectedHook {
  if (!isRecord(raw)) throw new Error(`${where}: a hook must be a mapping`);
  return {
    kind: required(raw, 'kind', where, isString, 'a string'),
    name: required(raw, 'name', where, isString, 'a string'),
    path: required(raw, 'path', where, isString, 'a string'),
    events: required(raw, 'events', where, isStrings, 'a list of strings'),
    weight: required(raw, 'weight', where, isInteger, 'an integer'),
    deletePolicies: required(raw, 'deletePolicies', where, isStrings, 'a list of strings'),
  };
}

function parseCase(raw: unknown, index: number): FidelityCase {
  let where = `cases.yaml cases[${index}]`;
  if (!isRecord(raw)) throw new Error(`${where} must be a mapping`);
  const unknownKey = Object.keys(raw).find((k) => !caseKeys.has(k));
  if (unknownKey !== undefined) throw new Error(`${where}: unknown field ${unknownKey}`);
  const name = required(raw, 'name', where, isString, 'a string');
  where = `cases.yaml case ${name}`;
  const hooks = field(raw, 'hooks', where, isList, 'a list');
  return {
    name,
    chart: required(raw, 'chart', where, isString, 'a string'),
    releaseName: required(raw, 'releaseName', where, isString, 'a string'),
    namespace: required(raw, 'namespace', where, isString, 'a string'),
    kubeVersion: required(raw, 'kubeVersion', where, isString, 'a string'),
    valuesFiles: field(raw, 'valuesFiles', where, isStrings, 'a list of strings') ?? [],
    values: field(raw, 'values', where, isRecord, 'a mapping'),
    isUpgrade: field(raw, 'isUpgrade', where, isBoolean, 'a boolean') ?? false,
    includeCRDs: field(raw, 'includeCRDs', where, isBoolean, 'a boolean') ?? false,
    apiVersions: field(raw, 'apiVersions', where, isStrings, 'a list of strings') ?? [],
    packaged: field(raw, 'packaged', where, isBoolean, 'a boolean') ?? false,
    expectError: field(raw, 'expectError', where, isString, 'a string'),
    notes: field(raw, 'notes', where, isString, 'a string'),
    hooks: hooks?.map((h, i) => parseHook(h, `${where} hooks[${i}]`)),
  };
}

async function loadCases(): Promise<FidelityCase[]> {
  const doc: unknown = parseYaml(await readFile(path.join(chartsRoot, 'cases.yaml'), 'utf8'));
  if (!isRecord(doc) || !Array.isArray(doc['cases']))
    throw new Error('cases.yaml must hold a list under cases');
  const cases = doc['cases'].map(parseCase);
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`cases.yaml: case ${c.name} is listed twice`);
    seen.add(c.name);
  }
  return cases;
}

// ---- running helm ----

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** An environment that gives helm no configuration, credentials or cluster of the host. */
function helmEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    KUBECONFIG: path.join(home, 'no-kubeconfig'),
  };
}

// ---- composing `helm template` stdout from a helm.render result ----

/** Go's strings.TrimSpace (unicode.IsSpace), which differs from String.prototype.trim. */
function goTrimSpace(s: string): string {
  const space = '[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]';
  return s.replace(new RegExp(`^${space}+`, 'u'), '').replace(new RegExp(`${space}+$`, 'u'), '');
}

/**
 * What `helm template` prints for a release (helm.sh/helm/v4 pkg/cmd/template.go, without
 * --show-only/--output-dir): the release manifest (CRDs first when included, as
 * renderResources writes them) trimmed and newline-terminated, then every hook as
 * `---\n# Source: <path>\n<manifest>\n`. NOTES.txt is not printed.
 */
function composeTemplateOutput(result: HelmRenderResult): string {
  let manifest = '';
  for (const crd of result.crds) manifest += `---\n# Source: ${crd.name}\n${crd.content}\n`;
  manifest += result.manifest;
  let out = `${goTrimSpace(manifest)}\n`;
  for (const hook of result.hooks) out += `---\n# Source: ${hook.path}\n${hook.manifest}\n`;
  return out;
}

/** The first lines where two outputs differ, with a little context, for a failure message. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 3);
  const show = (lines: string[]): string =>
    lines
      .slice(from, i + 4)
      .map((l, k) => `${String(from + k + 1).padStart(5)}| ${JSON.stringify(l)}`)
      .join('\n');
  return `first difference at line ${i + 1} (helm ${a.length} lines, Tide ${b.length} lines)\n--- helm template:\n${show(a)}\n--- Tide:\n${show(b)}`;
}

// ---- hooks as annotated ----

/** Go's strconv.Atoi, as Helm parses helm.sh/hook-weight (anything else weighs 0). */
function hookWeight(value: unknown): number {
  if (typeof value !== 'string' || !/^[+-]?\d+$/.test(value)) return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : 0;
}

function annotationList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value.split(',').map((v) => v.trim().toLowerCase());
}

/** Checks a hook's events, weight and delete policies against its own annotations. */
function checkHookAnnotations(caseName: string, hook: HelmHook): void {
  const where = `case ${caseName}: hook ${hook.kind}/${hook.name} (${hook.path})`;
  const doc: unknown = parseYaml(hook.manifest);
  assert.ok(
    isRecord(doc) && isRecord(doc['metadata']),
    `${where}: the manifest is not an object with metadata`,
  );
  const metadata = doc['metadata'];
  const annotations = isRecord(metadata['annotations']) ? metadata['annotations'] : {};
  assert.equal(doc['kind'], hook.kind, `${where}: kind`);
  assert.equal(metadata['name'], hook.name, `${where}: name`);
  const events = annotationList(annotations['helm.sh/hook']).map((e) => (e === 'test-success' ? 'test' : e));
  assert.deepEqual(hook.events, events, `${where}: events must be helm.sh/hook's`);
  assert.equal(hook.weight, hookWeight(annotations['helm.sh/hook-weight']), `${where}: weight`);
  assert.deepEqual(
    hook.deletePolicies,
    annotationList(annotations['helm.sh/hook-delete-policy']),
    `${where}: delete policies must be helm.sh/hook-delete-policy's`,
  );
}

// ---- the test ----

const cases = await loadCases();

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function chartMetadata(dir: string): Promise<{ name: string; version: string; appVersion: string }> {
  const doc: unknown = parseYaml(await readFile(path.join(dir, 'Chart.yaml'), 'utf8'));
  assert.ok(isRecord(doc), `${dir}/Chart.yaml is not a mapping`);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { name: str(doc['name']), version: str(doc['version']), appVersion: str(doc['appVersion']) };
}

describe('helm.render matches `helm template` byte for byte', { concurrency: 4 }, () => {
  let renderer: Renderer;
  let helm: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  /** Root of the packaged cases: the archives and copies of their values files. */
  let packagedRoot: string;
  const archives = new Map<string, string>();
  /** Helm's default .Capabilities.APIVersions, as `helm template` starts from. */
  let defaultAPIVersions: string[] = [];

  before(async () => {
    const cacheDir = defaultCacheDir(process.env);
    const [tools, started] = await Promise.all([
      ensureUpstreamTools({ cacheDir }),
      Renderer.start({ cacheDir }),
    ]);
    helm = tools.helm;
    renderer = started;
    work = await mkdtemp(path.join(os.tmpdir(), 'tide-helm-fidelity-'));
    env = helmEnv(path.join(work, 'home'));
    packagedRoot = path.join(work, 'packaged');
    await mkdir(packagedRoot, { recursive: true });
    for (const c of cases.filter((k) => k.packaged)) {
      if (!archives.has(c.chart)) {
        const res = await run(helm, ['package', path.join(chartsRoot, c.chart), '-d', packagedRoot], {
          cwd: work,
          env,
        });
        assert.equal(res.code, 0, `helm package ${c.chart} failed: ${res.stderr}`);
        const meta = await chartMetadata(path.join(chartsRoot, c.chart));
        const archive = `${meta.name}-${meta.version}.tgz`;
        assert.ok(await exists(path.join(packagedRoot, archive)), `helm package did not write ${archive}`);
        archives.set(c.chart, archive);
      }
      for (const f of c.valuesFiles) {
        await mkdir(path.dirname(path.join(packagedRoot, f)), { recursive: true });
        await copyFile(path.join(chartsRoot, f), path.join(packagedRoot, f));
      }
    }
    defaultAPIVersions = await helmDefaultAPIVersions();
  });

  after(async () => {
    await renderer.close();
    await rm(work, { recursive: true, force: true });
  });

  /**
   * Asks helm for its default API versions (a probe chart prints them), so
   * that Tide gets the very set `helm template --api-versions` extends.
   */
  async function helmDefaultAPIVersions(): Promise<string[]> {
    const probe = path.join(work, 'probe');
    await mkdir(path.join(probe, 'templates'), { recursive: true });
    await writeFile(path.join(probe, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.0.0\n');
    await writeFile(
      path.join(probe, 'templates', 'apis.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: apis\ndata:\n  apis: {{ toJson .Capabilities.APIVersions | quote }}\n',
    );
    const res = await run(helm, ['template', 'probe', probe], { cwd: work, env });
    assert.equal(res.code, 0, `helm template of the probe chart failed: ${res.stderr}`);
    const doc: unknown = parseYaml(res.stdout.toString('utf8'));
    const data = isRecord(doc) ? doc['data'] : undefined;
    const list: unknown =
      isRecord(data) && typeof data['apis'] === 'string' ? JSON.parse(data['apis']) : undefined;
    assert.ok(isStrings(list) && list.length > 0, 'the probe chart printed no API versions');
    return list;
  }

  it('has a corpus of at least 10 charts and 20 cases, 2 of them packaged', async () => {
    const entries = await readdir(chartsRoot, { withFileTypes: true });
    const charts: string[] = [];
    for (const e of entries) {
      if (e.isDirectory() && (await exists(path.join(chartsRoot, e.name, 'Chart.yaml')))) charts.push(e.name);
    }
    assert.ok(charts.length >= 10, `only ${charts.length} charts in ${chartsRoot}`);
    assert.ok(cases.length >= 20, `only ${cases.length} cases in cases.yaml`);
    assert.ok(cases.filter((c) => c.packaged).length >= 2, 'fewer than 2 packaged cases');
    assert.ok(cases.filter((c) => c.expectError !== undefined).length >= 2, 'fewer than 2 failing cases');
    for (const c of cases) assert.ok(charts.includes(c.chart), `case ${c.name}: no chart ${c.chart}`);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const root = c.packaged ? packagedRoot : chartsRoot;
      const chart = c.packaged ? (archives.get(c.chart) ?? '') : c.chart;
      const args = ['template', c.releaseName, chart, '-n', c.namespace, '--kube-version', c.kubeVersion];
      for (const f of c.valuesFiles) args.push('-f', f);
      if (c.values !== undefined) {
        // JSON is YAML: a values file merged last, as Tide merges values over valuesFiles.
        const file = path.join(work, `values-${c.name}.json`);
        await writeFile(file, JSON.stringify(c.values));
        args.push('-f', file);
      }
      for (const api of c.apiVersions) args.push('--api-versions', api);
      if (c.includeCRDs) args.push('--include-crds');
      if (c.isUpgrade) args.push('--is-upgrade');
      const upstream = await run(helm, args, { cwd: root, env });

      const params: HelmRenderParams = {
        root,
        chart,
        valuesFiles: c.valuesFiles,
        ...(c.values === undefined ? {} : { values: c.values }),
        releaseName: c.releaseName,
        namespace: c.namespace,
        isUpgrade: c.isUpgrade,
        includeCRDs: c.includeCRDs,
        lookup: false,
        capabilities: { kubeVersion: c.kubeVersion, apiVersions: [...defaultAPIVersions, ...c.apiVersions] },
      };
      const tide = await renderer.helmRender(params).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );

      if (c.expectError !== undefined) {
        assert.notEqual(
          upstream.code,
          0,
          `case ${c.name}: helm template succeeded, the case expects a failure`,
        );
        assert.ok(
          upstream.stderr.includes(c.expectError),
          `case ${c.name}: helm's error does not contain ${JSON.stringify(c.expectError)}:\n${upstream.stderr}`,
        );
        assert.ok('error' in tide, `case ${c.name}: Tide rendered a chart that helm refuses`);
        assert.ok(
          tide.error instanceof RenderError,
          `case ${c.name}: Tide failed with ${String(tide.error)}`,
        );
        assert.ok(
          tide.error.message.includes(c.expectError),
          `case ${c.name}: Tide's error does not contain helm's text ${JSON.stringify(c.expectError)}:\n${tide.error.message}`,
        );
        return;
      }

      assert.equal(upstream.code, 0, `case ${c.name}: helm template failed:\n${upstream.stderr}`);
      if ('error' in tide) {
        assert.fail(`case ${c.name}: Tide failed where helm rendered: ${String(tide.error)}`);
      }
      const result = tide.result;
      const expected = upstream.stdout.toString('utf8');
      const composed = composeTemplateOutput(result);
      assert.ok(
        Buffer.from(composed, 'utf8').equals(upstream.stdout),
        `case ${c.name}: Tide's output differs from helm template's\n${firstDifference(expected, composed)}`,
      );

      const meta = await chartMetadata(path.join(chartsRoot, c.chart));
      assert.deepEqual(result.chart, meta, `case ${c.name}: chart metadata`);
      for (const hook of result.hooks) checkHookAnnotations(c.name, hook);
      if (c.hooks !== undefined) {
        const actual = result.hooks.map((h) => ({
          kind: h.kind,
          name: h.name,
          path: h.path,
          events: h.events,
          weight: h.weight,
          deletePolicies: h.deletePolicies,
        }));
        assert.deepEqual(
          actual,
          c.hooks,
          `case ${c.name}: hooks (Helm's order, events, weights, delete policies)`,
        );
      }
      if (c.notes !== undefined) {
        assert.equal(result.notes, c.notes, `case ${c.name}: rendered NOTES.txt`);
      } else if (!(await exists(path.join(chartsRoot, c.chart, 'templates', 'NOTES.txt')))) {
        assert.equal(result.notes, '', `case ${c.name}: notes of a chart without NOTES.txt`);
      }
    });
  }
});
