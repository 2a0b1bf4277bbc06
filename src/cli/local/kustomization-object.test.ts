import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseLocalSources } from './flags.js';
import { readKustomizationFile } from './kustomization-object.js';

const ks = (name: string, ns: string | undefined, spec: string): string =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n` +
  (ns === undefined ? '' : `  namespace: ${ns}\n`) +
  `spec:\n${spec}`;

const spec = '  interval: 5m\n  prune: true\n  sourceRef: {kind: GitRepository, name: repo}\n';

describe('--kustomization-file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tide-ksfile-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };

  it('takes the document with the name, in the namespace or without one (which then gets it)', async () => {
    const file = await write(
      'multi.yaml',
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n',
        ks('app', 'other', spec),
        ks('app', undefined, spec.replace('5m', '7m')),
      ].join('---\n'),
    );
    const k = await readKustomizationFile(file, 'app', 'apps');
    assert.equal(k.metadata.namespace, 'apps');
    assert.equal(k.spec?.interval, '7m');
    const other = await readKustomizationFile(file, 'app', 'other');
    assert.equal(other.spec?.interval, '5m');
  });

  it('says what the file holds when the name is not there, and names a field of the wrong type', async () => {
    const file = await write('one.yaml', ks('web', 'flux-system', spec));
    await assert.rejects(
      readKustomizationFile(file, 'app', 'flux-system'),
      /no Kustomization flux-system\/app \(it holds flux-system\/web\)/,
    );
    const bad = await write(
      'bad.yaml',
      ks('app', undefined, `${spec}  postBuild:\n    substitute:\n      replicas: 3\n`),
    );
    await assert.rejects(
      readKustomizationFile(bad, 'app', 'flux-system'),
      /spec\.postBuild\.substitute\.replicas must be a string \(quote numbers and booleans\)/,
    );
    await assert.rejects(
      readKustomizationFile(path.join(dir, 'missing.yaml'), 'app', 'x'),
      /--kustomization-file .*missing\.yaml/,
    );
    const broken = await write('broken.yaml', 'a: [\n');
    await assert.rejects(readKustomizationFile(broken, 'app', 'x'), /document 1 is not valid YAML/);
  });
});

describe('--local-sources', () => {
  it('takes Kind/namespace/name=path entries, comma separated or repeated', () => {
    const first = parseLocalSources(
      'GitRepository/flux-system/repo=./, OCIRepository/apps/oci=../oci',
      undefined,
    );
    const both = parseLocalSources('Bucket/b/c=/tmp/b', first);
    assert.deepEqual(Object.fromEntries(both), {
      'GitRepository/flux-system/repo': './',
      'OCIRepository/apps/oci': '../oci',
      'Bucket/b/c': '/tmp/b',
    });
  });

  it('refuses an entry without three parts or a path, quoting it', () => {
    for (const bad of [
      'GitRepository/repo=./',
      'GitRepository/ns/repo',
      'GitRepository/ns/repo=',
      'a//b=c',
    ]) {
      assert.throws(
        () => parseLocalSources(bad, undefined),
        (err: unknown) => {
          assert.ok(err instanceof InvalidArgumentError, 'a usage error');
          assert.match(err.message, new RegExp(`got '${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`));
          return true;
        },
      );
    }
  });
});
