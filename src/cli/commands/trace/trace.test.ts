import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import { CliError, ExitCode } from '../../context.js';
import { ApiResources } from '../../inspect/api-resources.js';
import { findObject, loadObjects } from '../../inspect/testdata/fixtures.js';
import { assertGolden } from '../../inspect/testdata/golden.js';
import { renderTrace } from '../../inspect/trace-report.js';
import { traceObject, type FluxLookup } from './chain.js';
import { parseTargets } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const testdata = (name: string): string => path.join(here, 'testdata', name);

let objects: KubeObject[];
const lookup: FluxLookup = (kind, name, namespace) =>
  Promise.resolve(findObject(objects, kind, name, namespace));
const fixture = (kind: string, name: string, namespace: string): KubeObject => {
  const obj = findObject(objects, kind, name, namespace);
  assert.ok(obj !== undefined, `fixture ${kind} ${namespace}/${name}`);
  return obj;
};
const report = async (obj: KubeObject): Promise<string> =>
  renderTrace(await traceObject(lookup, obj)).join('\n') + '\n';

before(async () => {
  objects = await loadObjects(testdata('objects.yaml'));
});

describe('trace report', () => {
  it('follows a Kustomization to its GitRepository, without URL credentials', async () => {
    const text = await report(fixture('Deployment', 'podinfo', 'apps'));
    await assertGolden(testdata('kustomization.golden'), text);
    assert.doesNotMatch(text, /s3cret|token=abc/);
  });

  it('follows a HelmRelease to its HelmChart and HelmRepository', async () => {
    await assertGolden(
      testdata('helmrelease.golden'),
      await report(fixture('Deployment', 'cert-manager', 'cert-manager')),
    );
  });

  it('follows a chartRef to an OCIRepository and shows its origin', async () => {
    await assertGolden(
      testdata('helmrelease-oci.golden'),
      await report(fixture('Deployment', 'podinfo', 'oci')),
    );
  });

  it('marks a managing object that no longer exists', async () => {
    const trace = await traceObject(lookup, fixture('ConfigMap', 'orphan', 'apps'));
    assert.deepEqual(
      trace.links.map((l) => [l.kind, l.namespace, l.name, l.object === undefined]),
      [['Kustomization', 'flux-system', 'removed', true]],
    );
    await assertGolden(testdata('missing.golden'), renderTrace(trace).join('\n') + '\n');
  });

  it('refuses an object nobody manages, naming the labels', async () => {
    await assert.rejects(traceObject(lookup, fixture('ConfigMap', 'handmade', 'apps')), (err: unknown) => {
      assert.ok(err instanceof CliError, 'a CliError');
      assert.match(err.message, /ConfigMap\/apps\/handmade is not managed by Tide/);
      assert.match(err.message, /kustomize\.toolkit\.fluxcd\.io\/name/);
      return true;
    });
  });
});

describe('trace arguments', () => {
  const flags = {};
  it('takes kind/name, kind name, and name with --kind and --api-version', () => {
    assert.deepEqual(parseTargets(['deployment/podinfo', 'cm/x'], flags), [
      { word: 'deployment', name: 'podinfo' },
      { word: 'cm', name: 'x' },
    ]);
    assert.deepEqual(parseTargets(['deploy', 'a', 'b'], flags), [
      { word: 'deploy', name: 'a' },
      { word: 'deploy', name: 'b' },
    ]);
    assert.deepEqual(parseTargets(['podinfo'], { kind: 'Deployment', apiVersion: 'apps/v1' }), [
      { kind: 'Deployment', apiVersion: 'apps/v1', name: 'podinfo' },
    ]);
  });

  it('names what is missing', () => {
    const usage = (args: string[], f: object, re: RegExp): void => {
      assert.throws(
        () => parseTargets(args, f),
        (err: unknown) => err instanceof CliError && err.exitCode === ExitCode.usage && re.test(err.message),
      );
    };
    usage(['podinfo'], {}, /<kind>\/<name>/);
    usage(['podinfo'], { kind: 'Deployment' }, /--kind needs --api-version/);
    usage(['podinfo'], { apiVersion: 'apps/v1' }, /--api-version needs --kind/);
    usage(['deployment/'], {}, /not <kind>\/<name>/);
  });
});

describe('resource words', () => {
  const resources = ApiResources.of([
    {
      group: '',
      version: 'v1',
      plural: 'configmaps',
      kind: 'ConfigMap',
      namespaced: true,
      words: ['configmap', 'cm'],
    },
    {
      group: 'apps',
      version: 'v1',
      plural: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      words: ['deployment', 'deploy'],
    },
    {
      group: 'extensions.example',
      version: 'v1',
      plural: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      words: ['deployment'],
    },
  ]);
  it('resolves plural, singular, short and kind spellings, core and apps first', () => {
    for (const word of ['deployment', 'deployments', 'deploy', 'Deployment'])
      assert.equal(resources.resolveWord(word).group, 'apps', word);
    assert.equal(resources.resolveWord('deployments.extensions.example').group, 'extensions.example');
    assert.equal(resources.resolveWord('cm').kind, 'ConfigMap');
    assert.equal(resources.resolveKind('deployment', 'apps/v1').plural, 'deployments');
  });

  it('suggests close words for an unknown one', () => {
    assert.throws(
      () => resources.resolveWord('deploymnt'),
      /no resource type 'deploymnt'; did you mean .*\bdeployment\b/,
    );
    assert.throws(() => resources.resolveKind('Deployment', 'apps/v2'), /served as apps\/v1/);
  });
});
