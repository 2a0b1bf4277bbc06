import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { ApiError } from '../../../runtime/client/errors.js';
import type { ResourceType } from '../../../runtime/client/resource.js';
import { silentLogger } from '../../../runtime/log/logger.js';
import { Conditions } from '../../../runtime/reconcile/conditions.js';
import { StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import { newScratch, type ArtifactGeneratorDeps, type GeneratorObject, type GeneratorState } from './deps.js';
import { reconcileSources, sourcesDigest } from './reconcile-sources.js';

function stateFor(sourceNamespace?: string): GeneratorState {
  const object: GeneratorObject = {
    apiVersion: 'source.extensions.fluxcd.io/v1beta1',
    kind: 'ArtifactGenerator',
    metadata: { name: 'gen', namespace: 'team-a', generation: 1 },
    spec: {
      sources: [
        {
          alias: 'src',
          kind: 'GitRepository',
          name: 'repo',
          ...(sourceNamespace ? { namespace: sourceNamespace } : {}),
        },
      ],
      artifacts: [{ name: 'out', copy: [{ from: '@src/', to: '@artifact/' }] }],
    },
  };
  return {
    object,
    conditions: new Conditions([], 1),
    status: {},
    signal: new AbortController().signal,
    log: silentLogger,
    ready: { reason: 'Succeeded', message: '' },
    logFields: {},
    eventMetadata: {},
    announceSuccess: false,
    patchStatus: () => Promise.resolve(),
    events: undefined,
  };
}

function depsWith(
  get: (res: ResourceType, name: string, ns?: string) => Promise<KubeObject>,
  noCross = false,
): ArtifactGeneratorDeps {
  return {
    client: { get } as unknown as KubeClient,
    storage: undefined as never,
    requeueDependencyMs: 1234,
    noCrossNamespaceRefs: noCross,
  };
}

const readyRepo = (revision: string, digest: string): KubeObject => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name: 'repo' },
  status: {
    artifact: { path: 'p', url: 'http://x/p', revision, digest, lastUpdateTime: '2026-01-01T00:00:00Z' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
});

describe('reconcileSources', () => {
  it('refuses a cross-namespace source when cross-namespace references are disabled', async () => {
    const deps = depsWith(() => Promise.reject(new Error('must not be read')), true);
    await assert.rejects(
      reconcileSources(stateFor('team-b'), deps, newScratch()),
      (err: unknown) =>
        err instanceof StalledError && err.reason === 'AccessDenied' && /team-b\/repo/.test(err.message),
    );
  });

  it('reads a cross-namespace source when allowed, defaulting to the generator namespace otherwise', async () => {
    const asked: string[] = [];
    const deps = depsWith((_res, name, ns) => {
      asked.push(`${ns ?? ''}/${name}`);
      return Promise.resolve(readyRepo('main@sha1:abc', 'sha256:01'));
    });
    const scratch = newScratch();
    await reconcileSources(stateFor('team-b'), deps, scratch);
    await reconcileSources(stateFor(), deps, scratch);
    assert.deepEqual(asked, ['team-b/repo', 'team-a/repo']);
    assert.equal(scratch.sources.get('src')?.originRevision, 'main@sha1:abc');
  });

  it('waits (SourceFetchFailed, requeue-dependency) for a missing or artifact-less source', async () => {
    const missing = depsWith(() => Promise.reject(new ApiError(404, 'NotFound', 'not found')));
    await assert.rejects(
      reconcileSources(stateFor(), missing, newScratch()),
      (err: unknown) =>
        err instanceof WaitError && err.reason === 'SourceFetchFailed' && err.retryAfterMs === 1234,
    );
    const bare = depsWith(() =>
      Promise.resolve({ apiVersion: 'v', kind: 'GitRepository', metadata: { name: 'repo' } }),
    );
    await assert.rejects(reconcileSources(stateFor(), bare, newScratch()), /has no artifact yet/);
  });
});

describe('sourcesDigest', () => {
  it('changes with a digest or revision and ignores map order', async () => {
    const scratch = newScratch();
    await reconcileSources(
      stateFor(),
      depsWith(() => Promise.resolve(readyRepo('main@sha1:a', 'sha256:01'))),
      scratch,
    );
    const base = sourcesDigest(scratch.sources);
    await reconcileSources(
      stateFor(),
      depsWith(() => Promise.resolve(readyRepo('main@sha1:b', 'sha256:01'))),
      scratch,
    );
    assert.notEqual(sourcesDigest(scratch.sources), base, 'revision counts');
    await reconcileSources(
      stateFor(),
      depsWith(() => Promise.resolve(readyRepo('main@sha1:a', 'sha256:02'))),
      scratch,
    );
    assert.notEqual(sourcesDigest(scratch.sources), base, 'digest counts');
    await reconcileSources(
      stateFor(),
      depsWith(() => Promise.resolve(readyRepo('main@sha1:a', 'sha256:01'))),
      scratch,
    );
    assert.equal(sourcesDigest(scratch.sources), base, 'same inputs, same digest');
  });
});
