// Kustomize fidelity: for every case in testdata/kustomize, tide-render's build must equal, byte for
// byte, what the upstream `kustomize build` (built from the same Go module graph) prints for the
// kustomization.yaml Tide generates. Spec-less cases with their own kustomization file are also
// compared with a plain upstream build of the untouched tree. Case layout: testdata/kustomize/README.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { ensureUpstreamTools } from './binary.js';
import { Renderer } from './renderer.js';
import type { KustomizeBuildParams, KustomizeSpec } from './types.js';

const corpusDir = path.join(import.meta.dirname, 'testdata', 'kustomize');
const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

interface FidelityCase {
  readonly name: string;
  readonly dir: string;
  /** Flux's spec.path, relative to dir. */
  readonly path: string;
  readonly spec?: KustomizeSpec;
  /** The kustomization file at path, if the tree has one. */
  readonly kustomizationFile?: string;
}

function kustomizationFileIn(dir: string): string | undefined {
  return kustomizationNames.find(
    (n) => existsSync(path.join(dir, n)) && statSync(path.join(dir, n)).isFile(),
  );
}

function loadCase(name: string): FidelityCase {
  const dir = path.join(corpusDir, name);
  const caseFile = path.join(dir, 'case.yaml');
  let casePath = '.';
  let spec: KustomizeSpec | undefined;
  if (existsSync(caseFile)) {
    const raw: unknown = parse(readFileSync(caseFile, 'utf8'));
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new Error(`${caseFile}: expected a mapping with path and/or spec`);
    }
    const fields = raw as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => k !== 'path' && k !== 'spec');
    if (unknown.length > 0)
      throw new Error(`${caseFile}: unknown field(s) ${unknown.join(', ')}; use path and spec`);
    if (fields['path'] !== undefined) {
      if (typeof fields['path'] !== 'string') throw new Error(`${caseFile}: path must be a string`);
      casePath = fields['path'];
    }
    if (fields['spec'] !== undefined) {
      if (typeof fields['spec'] !== 'object' || fields['spec'] === null) {
        throw new Error(`${caseFile}: spec must be a mapping of Flux Kustomization spec fields`);
      }
      spec = fields['spec'];
    }
  }
  const kustomizationFile = kustomizationFileIn(path.join(dir, casePath));
  return { name, dir, path: casePath, spec, kustomizationFile };
}

const cases: readonly FidelityCase[] = readdirSync(corpusDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()
  .map(loadCase);

/** Flux's generated resources: YAML files and kustomized folders under dir, walked in lexical order. */
function fluxGeneratedResources(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
  for (const e of entries) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (kustomizationFileIn(full) !== undefined) out.push(rel);
      else out.push(...fluxGeneratedResources(full, rel));
    } else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) {
      out.push(rel);
    }
  }
  return out;
}

/** A unified-style hunk around the first difference, or '' when equal. */
function firstDifference(expected: string, actual: string, context = 3, maxLines = 15): string {
  if (expected === actual) return '';
  const e = expected.split('\n');
  const a = actual.split('\n');
  let start = 0;
  while (start < e.length && start < a.length && e[start] === a[start]) start++;
  let endE = e.length;
  let endA = a.length;
  while (endE > start && endA > start && e[endE - 1] === a[endA - 1]) {
    endE--;
    endA--;
  }
  const from = Math.max(0, start - context);
  const clip = (lines: string[], mark: string): string[] => {
    const shown = lines.slice(0, maxLines).map((l) => `${mark}${l}`);
    if (lines.length > maxLines) shown.push(`${mark}… ${String(lines.length - maxLines)} more line(s)`);
    return shown;
  };
  return [
    '--- upstream kustomize',
    '+++ tide-render',
    `@@ -${String(start + 1)},${String(endE - start)} +${String(start + 1)},${String(endA - start)} @@`,
    ...e.slice(from, start).map((l) => ` ${l}`),
    ...clip(e.slice(start, endE), '-'),
    ...clip(a.slice(start, endA), '+'),
    ...e.slice(endE, endE + context).map((l) => ` ${l}`),
  ].join('\n');
}

function assertSameBytes(actual: string, expected: string, what: string): void {
  const diff = firstDifference(expected, actual);
  if (diff !== '') assert.fail(`${what}: tide-render's output differs from upstream kustomize\n${diff}`);
}

function runKustomize(binary: string, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Flux's krusty options: files load from anywhere (its filesystem confines them to the artifact
    // root); the reorder option is left unset, which kustomize treats as the CLI's default (legacy).
    execFile(
      binary,
      ['build', '--load-restrictor', 'LoadRestrictionsNone', dir],
      { maxBuffer: 64 << 20, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: os.tmpdir() } },
      (err, stdout, stderr) => {
        if (err !== null)
          reject(new Error(`upstream kustomize build ${dir} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

type Mapping = Record<string, unknown>;

function asMapping(v: unknown): Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Mapping) : {};
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A patch target with its set fields in a fixed order, for comparing selectors. */
function canonicalSelector(target: unknown): string {
  const fields = asMapping(target);
  const set = Object.keys(fields)
    .filter((k) => fields[k] !== undefined && fields[k] !== '')
    .sort()
    .map((k) => [k, fields[k]]);
  return JSON.stringify(Object.fromEntries(set));
}

/**
 * The fidelity comparison passes trivially if generate ignores the spec, so check that the
 * generated kustomization carries every spec field (commonMetadata: see assertCommonMetadata).
 */
function assertSpecApplied(c: FidelityCase, generated: Mapping): void {
  const spec = c.spec ?? {};
  const where = `${c.name}: generated kustomization`;
  if (spec.targetNamespace !== undefined) {
    assert.equal(generated['namespace'], spec.targetNamespace, `${where}: namespace is spec.targetNamespace`);
  }
  if (spec.namePrefix !== undefined) {
    assert.equal(generated['namePrefix'], spec.namePrefix, `${where}: namePrefix is spec.namePrefix`);
  }
  if (spec.nameSuffix !== undefined) {
    assert.equal(generated['nameSuffix'], spec.nameSuffix, `${where}: nameSuffix is spec.nameSuffix`);
  }
  const patches = asList(generated['patches']).map(asMapping);
  for (const p of spec.patches ?? []) {
    const target = canonicalSelector(p.target);
    const found = patches.some((g) => g['patch'] === p.patch && canonicalSelector(g['target']) === target);
    assert.ok(found, `${where}: spec patch with target ${target} is in patches`);
  }
  const images = asList(generated['images']).map(asMapping);
  for (const im of spec.images ?? []) {
    const g = images.find((i) => i['name'] === im.name);
    assert.ok(g !== undefined, `${where}: spec image ${im.name} is in images`);
    for (const field of ['newName', 'newTag', 'digest'] as const) {
      if (im[field] !== undefined) assert.equal(g[field], im[field], `${where}: image ${im.name} ${field}`);
    }
  }
  const components = asList(generated['components']);
  for (const comp of spec.components ?? []) {
    const exists = existsSync(path.join(c.dir, c.path, comp));
    const listed = components.includes(comp);
    if (exists) assert.ok(listed, `${where}: spec component ${comp} is in components`);
    else assert.ok(!listed, `${where}: missing component ${comp} is dropped (ignoreMissingComponents)`);
  }
  const buildMetadata = asList(generated['buildMetadata']);
  for (const option of spec.buildMetadata ?? []) {
    assert.ok(buildMetadata.includes(option), `${where}: buildMetadata has ${option}`);
  }
}

/** Flux's commonMetadata: every object carries the labels and annotations, overriding its own. */
function assertCommonMetadata(c: FidelityCase, built: string): void {
  const { labels = {}, annotations = {} } = c.spec?.commonMetadata ?? {};
  if (Object.keys(labels).length + Object.keys(annotations).length === 0) return;
  for (const doc of parseAllDocuments(built)) {
    const obj = asMapping(doc.toJS());
    const meta = asMapping(obj['metadata']);
    const id = `${String(obj['kind'])}/${String(meta['name'])}`;
    for (const [k, v] of Object.entries(labels)) {
      assert.equal(asMapping(meta['labels'])[k], v, `${c.name}: ${id} has commonMetadata label ${k}`);
    }
    for (const [k, v] of Object.entries(annotations)) {
      assert.equal(
        asMapping(meta['annotations'])[k],
        v,
        `${c.name}: ${id} has commonMetadata annotation ${k}`,
      );
    }
  }
}

function assertGeneratedResources(c: FidelityCase, generated: Mapping): void {
  const normalize = (r: unknown): string => path.posix.normalize(String(r)).replace(/\/$/, '');
  const want = fluxGeneratedResources(path.join(c.dir, c.path));
  assert.deepEqual(
    asList(generated['resources']).map(normalize),
    want,
    `${c.name}: the generated kustomization lists the YAML files and kustomized folders under ${c.path}, in walk order`,
  );
}

/** Writes the generated kustomization into a copy of the case and builds it with upstream kustomize. */
async function referenceBuild(
  kustomize: string,
  workDir: string,
  c: FidelityCase,
  kustomization: string,
): Promise<string> {
  const copy = path.join(workDir, c.name);
  await cp(c.dir, copy, { recursive: true });
  const buildDir = path.join(copy, c.path);
  for (const n of kustomizationNames) await rm(path.join(buildDir, n), { force: true });
  await writeFile(path.join(buildDir, 'kustomization.yaml'), kustomization);
  return runKustomize(kustomize, buildDir);
}

describe('kustomize fidelity with upstream kustomize', { concurrency: 4 }, () => {
  let renderer: Renderer;
  let kustomize: string;
  let workDir: string;

  before(async () => {
    const cacheDir = defaultCacheDir(process.env);
    const [tools, started] = await Promise.all([
      ensureUpstreamTools({ cacheDir }),
      Renderer.start({ cacheDir }),
    ]);
    kustomize = tools.kustomize;
    renderer = started;
    workDir = await mkdtemp(path.join(os.tmpdir(), 'tide-kustomize-fidelity-'));
  });

  after(async () => {
    await renderer.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('has a corpus that cannot silently shrink', () => {
    assert.ok(
      cases.length >= 30,
      `expected at least 30 cases in ${corpusDir}, found ${String(cases.length)}`,
    );
    const withSpec = cases.filter((c) => c.spec !== undefined).length;
    assert.ok(withSpec >= 8, `expected at least 8 cases with a spec, found ${String(withSpec)}`);
    const generatedCases = cases.filter((c) => c.kustomizationFile === undefined);
    assert.ok(generatedCases.length >= 3, `expected at least 3 cases without a kustomization file`);
    for (const c of generatedCases) {
      // Flux's generator would take case.yaml for a manifest and fail.
      const inBuildDir = path.resolve(c.dir, c.path) === c.dir && existsSync(path.join(c.dir, 'case.yaml'));
      assert.ok(
        !inBuildDir,
        `${c.name}: case.yaml must sit outside the generated folder; build from a subfolder`,
      );
    }
  });

  for (const c of cases) {
    it(c.name, async () => {
      const params: KustomizeBuildParams = {
        root: c.dir,
        path: c.path,
        ...(c.spec !== undefined ? { spec: c.spec } : {}),
      };
      const [kustomization, actual] = await Promise.all([
        renderer.kustomizeGenerate(params),
        renderer.kustomizeBuild(params),
      ]);
      const generated = asMapping(parse(kustomization));
      if (c.kustomizationFile === undefined) assertGeneratedResources(c, generated);
      assertSpecApplied(c, generated);
      assertCommonMetadata(c, actual);

      const expected = await referenceBuild(kustomize, workDir, c, kustomization);
      assert.ok(expected.length > 0, `${c.name}: upstream kustomize printed nothing`);
      assertSameBytes(actual, expected, `${c.name} (upstream build of the generated kustomization)`);

      if (c.spec === undefined && c.kustomizationFile !== undefined) {
        const direct = await runKustomize(kustomize, path.join(c.dir, c.path));
        assertSameBytes(actual, direct, `${c.name} (upstream build of the tree as is)`);
      }
    });
  }
});
