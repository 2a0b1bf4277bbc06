import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import { CliError, ExitCode } from '../../context.js';
import { eventHeaders, eventRow, eventView, eventWanted, sortEvents } from '../../inspect/events-table.js';
import { RowPrinter } from '../../inspect/row-printer.js';
import { loadObjects } from '../../inspect/testdata/fixtures.js';
import { assertGolden } from '../../inspect/testdata/golden.js';
import { NOUNS } from '../../resources/nouns.js';
import { parseFor, parseTypes, relatedObjects, selectorFor } from './queries.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const testdata = (name: string): string => path.join(here, 'testdata', name);
const now = Date.parse('2026-01-10T12:00:00Z');
const kinds = new Set(NOUNS.map((n) => n.kind.kind));

let events: KubeObject[];
before(async () => {
  events = await loadObjects(testdata('events.yaml'));
});

function table(types: string[], showNamespace: boolean): string {
  const filter = { kinds, types: new Set(types) };
  const rows = sortEvents(events.map(eventView))
    .filter((e) => eventWanted(e, filter))
    .map((e) => eventRow(e, now, showNamespace));
  return new RowPrinter(eventHeaders(showNamespace)).lines(rows).join('\n') + '\n';
}

describe('events table', () => {
  it('lists the events of Tide objects oldest first, repeats counted', async () => {
    const text = table([], false);
    await assertGolden(testdata('events.golden'), text);
    assert.doesNotMatch(text, /Scheduled/);
  });

  it('filters by type and shows the namespace when asked', async () => {
    await assertGolden(testdata('events-warning-namespaced.golden'), table(['Warning'], true));
  });

  it('keeps later rows aligned with the first batch', () => {
    const printer = new RowPrinter(['a', 'message']);
    assert.deepEqual(printer.lines([['xxxx', 'one']]), ['A      MESSAGE', 'xxxx   one']);
    assert.deepEqual(printer.lines([['y', 'two\nthree']]), ['y      two', '       three']);
  });
});

describe('events flags', () => {
  it('takes --for as a kind word, with or without a name', () => {
    assert.equal(parseFor('ks/apps').noun.kind.kind, 'Kustomization');
    assert.equal(parseFor('ks/apps').name, 'apps');
    assert.equal(parseFor('GitRepository').name, undefined);
    assert.equal(selectorFor('Kustomization', 'apps'), 'regarding.kind=Kustomization,regarding.name=apps');
  });

  it('suggests Tide kinds for an unknown word', () => {
    assert.throws(
      () => parseFor('kustomizaton/apps'),
      (err: unknown) =>
        err instanceof CliError &&
        err.exitCode === ExitCode.usage &&
        /did you mean kustomization/.test(err.message),
    );
    assert.throws(() => parseFor('ks/'), /<kind>\[\/<name>\]/);
  });

  it('accepts Normal and Warning in any case, comma-separated or repeated', () => {
    assert.deepEqual(parseTypes(['normal,WARNING']), ['Normal', 'Warning']);
    assert.deepEqual(parseTypes(['Warning', 'Normal']), ['Warning', 'Normal']);
    assert.throws(() => parseTypes(['Error']), /'Error' is not an event type; use Normal or Warning/);
  });

  it('adds the events of the objects an object reads from', () => {
    const ks = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: { sourceRef: { kind: 'GitRepository', name: 'fleet', namespace: 'git' } },
    };
    assert.deepEqual(relatedObjects(ks), [{ kind: 'GitRepository', name: 'fleet', namespace: 'git' }]);
    const hr = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'apps' },
      spec: { chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'charts' } } } },
    };
    assert.deepEqual(relatedObjects(hr), [
      { kind: 'HelmRepository', name: 'charts', namespace: 'apps' },
      { kind: 'HelmChart', name: 'apps-podinfo', namespace: 'apps' },
    ]);
  });
});
