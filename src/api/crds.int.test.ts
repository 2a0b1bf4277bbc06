// Every CRD installs on the real API server; the corpus's valid manifests are accepted
// and its invalid ones rejected with the field-level message they name; `kubectl get`
// (the Table API) shows each kind's printer columns.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useTestEnvironment } from '../testenv/env.js';
import { kubeRequest } from '../testenv/kube-request.js';
import { loadCorpus } from './corpus.js';
import { CRD_DIR } from './crd-files.js';
import { storageVersion, type KindDefinition } from './crd.js';
import { allKinds } from './kinds.js';

const env = await useTestEnvironment();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function collectionPath(kind: KindDefinition, apiVersion: string, namespace: string): string {
  return `/apis/${apiVersion}/namespaces/${namespace}/${kind.plural}`;
}

describe('Flux-compatible CRDs', () => {
  before(async () => {
    const names = await env.installCRDs(path.join(root, CRD_DIR));
    assert.equal(names.length, allKinds.length);
  });

  for (const kind of allKinds) {
    describe(kind.kind, () => {
      it('accepts every valid manifest of the corpus', async (t) => {
        const namespace = await env.createNamespace(t);
        for (const { file, object } of await loadCorpus(kind, 'valid')) {
          const res = await kubeRequest(env.kc, {
            method: 'POST',
            path: collectionPath(kind, object.apiVersion, namespace),
            body: { ...object, metadata: { ...object.metadata, namespace } },
          });
          assert.equal(res.status, 201, `${file} ${object.metadata.name}: ${JSON.stringify(res.body)}`);
        }
      });

      it('rejects every invalid manifest with a field-level message', async (t) => {
        const namespace = await env.createNamespace(t);
        for (const { file, object, expect } of await loadCorpus(kind, 'invalid')) {
          const res = await kubeRequest(env.kc, {
            method: 'POST',
            path: collectionPath(kind, object.apiVersion, namespace),
            body: { ...object, metadata: { ...object.metadata, namespace } },
          });
          const message = (res.body as { message?: string }).message ?? JSON.stringify(res.body);
          assert.equal(res.status, 422, `${file} was not rejected: ${message}`);
          for (const text of expect)
            assert.ok(message.includes(text), `${file}: "${text}" not in: ${message}`);
        }
      });

      it('lists with its printer columns', async (t) => {
        const namespace = await env.createNamespace(t);
        const version = storageVersion(kind);
        const apiVersion = `${kind.group}/${version.name}`;
        const sample = (await loadCorpus(kind, 'valid')).find((m) => m.object.apiVersion === apiVersion);
        assert.ok(sample, `no valid ${apiVersion} manifest`);
        const created = await kubeRequest(env.kc, {
          method: 'POST',
          path: collectionPath(kind, apiVersion, namespace),
          body: { ...sample.object, metadata: { name: 'columns', namespace } },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        if (version.status !== undefined) {
          const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          const status = await kubeRequest(env.kc, {
            method: 'PATCH',
            path: `${collectionPath(kind, apiVersion, namespace)}/columns/status`,
            headers: { 'Content-Type': 'application/merge-patch+json' },
            body: {
              status: {
                conditions: [
                  {
                    type: 'Ready',
                    status: 'True',
                    reason: 'Succeeded',
                    message: 'all good',
                    lastTransitionTime: now,
                  },
                ],
              },
            },
          });
          assert.equal(status.status, 200, JSON.stringify(status.body));
        }
        const table = await kubeRequest(env.kc, {
          path: collectionPath(kind, apiVersion, namespace),
          headers: { Accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' },
        });
        assert.equal(table.status, 200, JSON.stringify(table.body));
        const body = table.body as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
        assert.deepEqual(
          body.columnDefinitions.map((c) => c.name),
          ['Name', ...version.printerColumns.map((c) => c.name)],
        );
        const row = body.rows[0]?.cells ?? [];
        assert.equal(row[0], 'columns');
        const ready = version.printerColumns.findIndex((c) => c.name === 'Ready');
        if (ready >= 0 && version.status !== undefined) assert.equal(row[ready + 1], 'True');
      });
    });
  }
});
