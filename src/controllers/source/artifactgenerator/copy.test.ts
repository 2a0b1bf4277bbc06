import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { tarDirectory } from '../../../artifact/archive.js';
import type { CopyOperation } from '../../../api/sourceextensions/artifactgenerator.js';
import { BuildError, buildTree } from './copy.js';
import { planArtifacts } from './spec.js';

let tmp: string;
let repo: string;
let chart: string;

async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

async function build(copy: CopyOperation[]): Promise<string> {
  const [plan] = planArtifacts({
    sources: [
      { alias: 'repo', kind: 'GitRepository', name: 'r' },
      { alias: 'chart', kind: 'HelmChart', name: 'c' },
    ],
    artifacts: [{ name: 'out', copy }],
  });
  if (plan === undefined) throw new Error('no plan');
  const staging = await mkdtemp(path.join(tmp, 'staging-'));
  await buildTree(plan, staging, {
    sources: new Map([
      ['repo', repo],
      ['chart', chart],
    ]),
    scratchDir: await mkdtemp(path.join(tmp, 'scratch-')),
  });
  return staging;
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-ag-copy-'));
  repo = path.join(tmp, 'repo');
  chart = path.join(tmp, 'chart');
  await writeTree(repo, {
    'apps/a.yaml': 'a: 1\n',
    'apps/README.md': '# apps\n',
    'apps/sub/b.yaml': 'b: 1\n',
    'apps/sub/testdata/t.yaml': 't: 1\n',
    'infra/c.yaml': 'c: 1\n',
    'values-prod.yaml': 'image:\n  tag: prod\nreplicas: 3\n',
    'config.yaml': 'k: v\n',
    'other/list.yaml': '- a\n',
  });
  const src = path.join(tmp, 'chart-src');
  await writeTree(src, {
    'podinfo/Chart.yaml': 'name: podinfo\n',
    'podinfo/values.yaml': 'image:\n  repo: x\n  tag: dev\nreplicas: 1\n',
  });
  const tgz = await buffer(Readable.from(tarDirectory(src)).pipe(createGzip()));
  await writeTree(repo, { 'charts/podinfo-1.0.0.tgz': tgz, 'charts/notes.txt': 'n\n' });
  await writeTree(chart, {
    'podinfo/Chart.yaml': 'name: podinfo\n',
    'podinfo/values.yaml': 'image:\n  tag: dev\nreplicas: 1\n',
  });
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('buildTree copy semantics', () => {
  const cases: [name: string, copy: CopyOperation[], files: string[]][] = [
    [
      'dir/** copies the contents of dir',
      [{ from: '@repo/apps/**', to: '@artifact/' }],
      ['README.md', 'a.yaml', 'sub/b.yaml', 'sub/testdata/t.yaml'],
    ],
    [
      'dir/* copies the contents of dir (cp -r dir/* dest/)',
      [{ from: '@repo/apps/*', to: '@artifact/x/' }],
      ['x/README.md', 'x/a.yaml', 'x/sub/b.yaml', 'x/sub/testdata/t.yaml'],
    ],
    [
      'dir/ copies dir as a subdirectory',
      [{ from: '@repo/apps/', to: '@artifact/deploy/' }],
      [
        'deploy/apps/README.md',
        'deploy/apps/a.yaml',
        'deploy/apps/sub/b.yaml',
        'deploy/apps/sub/testdata/t.yaml',
      ],
    ],
    [
      '@alias/ copies the whole source',
      [{ from: '@repo/', to: '@artifact/' }],
      [
        'apps/README.md',
        'apps/a.yaml',
        'apps/sub/b.yaml',
        'apps/sub/testdata/t.yaml',
        'charts/notes.txt',
        'charts/podinfo-1.0.0.tgz',
        'config.yaml',
        'infra/c.yaml',
        'other/list.yaml',
        'values-prod.yaml',
      ],
    ],
    [
      'a file to a path renames it',
      [{ from: '@repo/config.yaml', to: '@artifact/apps/app.yaml' }],
      ['apps/app.yaml'],
    ],
    [
      'a file to a directory keeps its name',
      [{ from: '@repo/config.yaml', to: '@artifact/apps/' }],
      ['apps/config.yaml'],
    ],
    [
      'a glob keeps the tree below its fixed prefix',
      [{ from: '@repo/apps/**/*.yaml', to: '@artifact/' }],
      ['a.yaml', 'sub/b.yaml', 'sub/testdata/t.yaml'],
    ],
    [
      '*.yaml in a directory flattens into the destination',
      [{ from: '@repo/apps/*.yaml', to: '@artifact/out/' }],
      ['out/a.yaml'],
    ],
    [
      'exclude globs drop files and directories',
      [{ from: '@repo/apps/**', to: '@artifact/', exclude: ['*.md', '**/testdata/**'] }],
      ['a.yaml', 'sub/b.yaml'],
    ],
    [
      'exclude applies inside a copied directory',
      [{ from: '@repo/apps', to: '@artifact/', exclude: ['sub/testdata'] }],
      ['apps/README.md', 'apps/a.yaml', 'apps/sub/b.yaml'],
    ],
    [
      'a file into an existing directory',
      [
        { from: '@repo/apps/', to: '@artifact/' },
        { from: '@repo/config.yaml', to: '@artifact/apps' },
      ],
      ['apps/README.md', 'apps/a.yaml', 'apps/config.yaml', 'apps/sub/b.yaml', 'apps/sub/testdata/t.yaml'],
    ],
    [
      'Extract unpacks tarballs and skips other glob matches',
      [{ from: '@repo/charts/*', to: '@artifact/', strategy: 'Extract' }],
      ['podinfo/Chart.yaml', 'podinfo/values.yaml'],
    ],
  ];
  for (const [name, copy, files] of cases) {
    it(name, async () => {
      assert.deepEqual(await listFiles(await build(copy)), files);
    });
  }

  it('later operations overwrite earlier ones', async () => {
    const out = await build([
      { from: '@repo/config.yaml', to: '@artifact/x.yaml' },
      { from: '@repo/infra/c.yaml', to: '@artifact/x.yaml' },
    ]);
    assert.equal(await readFile(path.join(out, 'x.yaml'), 'utf8'), 'c: 1\n');
  });

  it('Merge deep-merges YAML into an existing file', async () => {
    const out = await build([
      { from: '@chart/', to: '@artifact/' },
      { from: '@repo/values-prod.yaml', to: '@artifact/podinfo/values.yaml', strategy: 'Merge' },
    ]);
    assert.equal(
      await readFile(path.join(out, 'podinfo/values.yaml'), 'utf8'),
      'image:\n  tag: prod\nreplicas: 3\n',
    );
  });

  it('Extract overwrites what earlier operations wrote', async () => {
    const out = await build([
      { from: '@chart/', to: '@artifact/' },
      { from: '@repo/charts/podinfo-1.0.0.tgz', to: '@artifact/', strategy: 'Extract' },
    ]);
    assert.match(await readFile(path.join(out, 'podinfo/values.yaml'), 'utf8'), /repo: x/);
  });

  const failures: [string, CopyOperation[], RegExp][] = [
    [
      'a missing path',
      [{ from: '@repo/nope.yaml', to: '@artifact/' }],
      /'nope\.yaml' does not exist in source 'repo'/,
    ],
    ['a glob without matches', [{ from: '@repo/apps/*.json', to: '@artifact/' }], /no files match/],
    [
      'a glob whose matches are all excluded',
      [{ from: '@repo/infra/*', to: '@artifact/', exclude: ['*.yaml'] }],
      /every match is excluded/,
    ],
    [
      'Extract of a non-tarball',
      [{ from: '@repo/config.yaml', to: '@artifact/', strategy: 'Extract' }],
      /needs a \.tgz/,
    ],
    [
      'Merge of a non-mapping',
      [
        { from: '@repo/config.yaml', to: '@artifact/v.yaml' },
        { from: '@repo/other/list.yaml', to: '@artifact/v.yaml', strategy: 'Merge' },
      ],
      /list\.yaml is not a YAML mapping/,
    ],
    [
      'a file over a directory',
      [
        { from: '@repo/infra/c.yaml', to: '@artifact/config.yaml/' },
        { from: '@repo/*.yaml', to: '@artifact/' },
      ],
      /cannot overwrite directory 'config\.yaml'/,
    ],
    [
      'a file in the way of a directory',
      [
        { from: '@repo/config.yaml', to: '@artifact/x' },
        { from: '@repo/infra/c.yaml', to: '@artifact/x/y.yaml' },
      ],
      /cannot create directory 'x'/,
    ],
  ];
  for (const [name, copy, message] of failures) {
    it(`fails on ${name}`, async () => {
      await assert.rejects(
        build(copy),
        (err: unknown) => err instanceof BuildError && message.test(err.message),
      );
    });
  }
});
