// Shared setup of the ArtifactGenerator integration tests: the source harness (cluster,
// CRDs, git server, source controller with its artifact server) plus a source-watcher
// manager running the ArtifactGenerator controller on the same storage. Once
// source-controller.ts registers the generator itself, the extra manager is skipped.
import path from 'node:path';
import type { Artifact, Condition } from '../../../../api/meta/status.js';
import type { ExternalArtifact } from '../../../../api/source/externalartifact.js';
import type {
  ArtifactGenerator,
  ArtifactGeneratorSpec,
} from '../../../../api/sourceextensions/artifactgenerator.js';
import { fetchArtifact } from '../../../../artifact/fetch.js';
import type { Repo } from '../../../../gitserver/types.js';
import type { KubeClient } from '../../../../runtime/client/client.js';
import { isNotFound } from '../../../../runtime/client/errors.js';
import { createLogger } from '../../../../runtime/log/logger.js';
import { Manager } from '../../../../runtime/manager/manager.js';
import { eventually } from '../../../../testenv/eventually.js';
import { GitRepositories } from '../../gitrepository/reconcile-include.js';
import {
  createSecret,
  gitRepository,
  requestReconcile,
  shardLabels,
  testManagerOptions,
  startSourceHarness,
  waitReady,
  type SourceHarness,
} from '../../testdata/harness.js';
import { registerArtifactGenerator, type ArtifactGeneratorOptions } from '../register.js';
import { ArtifactGenerators, ExternalArtifacts } from '../resources.js';
import { readdir, readFile } from 'node:fs/promises';

export interface GeneratorHarness extends SourceHarness {
  /** Log lines of the source-watcher manager (or the source harness's when it runs the generator). */
  readonly watcherLogs: string[];
}

export async function startGeneratorHarness(
  opts: Partial<ArtifactGeneratorOptions> = {},
): Promise<GeneratorHarness> {
  const h = await startSourceHarness();
  const wired = await eventually(() => {
    const line = h.logs.find((l) => l.includes('caches synced'));
    if (line === undefined) throw new Error('source harness not started yet');
    return line.includes('"artifactgenerator"');
  });
  if (wired && Object.keys(opts).length === 0) return { ...h, watcherLogs: h.logs };
  const watcherLogs: string[] = [];
  const options = testManagerOptions(h.env);
  const manager = await Manager.create({
    name: 'source-watcher',
    kubeConfig: h.env.kc,
    options,
    logger: createLogger({ level: 'debug', write: (line) => watcherLogs.push(line) }),
  });
  registerArtifactGenerator(manager, h.storage, { requeueDependencyMs: 1_000, ...opts });
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  return {
    ...h,
    watcherLogs,
    async stop() {
      stop.abort();
      await running;
      await h.stop();
    },
  };
}

/** A repository on the git server with a GitRepository for it, Ready; returns both. */
export async function gitSource(
  h: SourceHarness,
  ns: string,
  name: string,
  files: Record<string, string | Buffer>,
): Promise<{ repo: Repo; revision: string }> {
  const repo = await h.git.createRepo(`${ns}/${name}`, { defaultBranch: 'main' });
  await repo.commit(files);
  await createSecret(h.client, ns, `${name}-auth`, {
    username: h.git.credentials.username,
    password: h.git.credentials.password,
    'ca.crt': h.git.caCertPem,
  });
  await h.client.create(
    GitRepositories,
    gitRepository(ns, name, {
      url: repo.httpsUrl,
      interval: '10m',
      secretRef: { name: `${name}-auth` },
      ref: { branch: 'main' },
    }),
  );
  const ready = await waitReady(h.client, ns, name);
  return { repo, revision: ready.status?.artifact?.revision ?? '' };
}

/** Waits for the GitRepository to report an artifact for `commit`. */
export async function waitGitRevision(
  client: KubeClient,
  ns: string,
  name: string,
  commit: string,
): Promise<void> {
  // Like a push webhook: ask for a reconcile instead of waiting for the interval.
  await requestReconcile(client, ns, name);
  await eventually(
    async () => {
      const repo = await client.get(GitRepositories, name, ns);
      const revision = (repo.status as { artifact?: Artifact } | undefined)?.artifact?.revision ?? '';
      if (!revision.endsWith(commit)) throw new Error(`GitRepository at ${revision}, want ${commit}`);
    },
    { timeoutMs: 60_000 },
  );
}

export function artifactGenerator(ns: string, name: string, spec: ArtifactGeneratorSpec): ArtifactGenerator {
  return {
    apiVersion: 'source.extensions.fluxcd.io/v1beta1',
    kind: 'ArtifactGenerator',
    metadata: { name, namespace: ns, labels: shardLabels() },
    spec,
  };
}

export function condition(
  obj: { status?: { conditions?: Condition[] } },
  type: string,
): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the generator's Ready has `status` for its current generation (and `check` passes). */
export async function waitGenerator(
  client: KubeClient,
  ns: string,
  name: string,
  status: 'True' | 'False' = 'True',
  check: (g: ArtifactGenerator) => void = () => undefined,
): Promise<ArtifactGenerator> {
  return eventually(
    async () => {
      const g = await client.get<ArtifactGenerator>(ArtifactGenerators, name, ns);
      const ready = condition(g, 'Ready');
      if (ready?.status !== status || ready.observedGeneration !== g.metadata.generation) {
        throw new Error(
          `Ready is ${ready?.status ?? 'absent'} (${ready?.reason ?? ''}: ${ready?.message ?? ''})`,
        );
      }
      check(g);
      return g;
    },
    { timeoutMs: 60_000 },
  );
}

export async function readExternalArtifact(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<ExternalArtifact | undefined> {
  try {
    return await client.get<ExternalArtifact>(ExternalArtifacts, name, ns);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The ExternalArtifact and its artifact; throws while either is missing. */
export async function requireArtifact(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<{ ea: ExternalArtifact; artifact: Artifact }> {
  const ea = await readExternalArtifact(client, ns, name);
  const artifact = ea?.status?.artifact;
  if (ea === undefined || artifact === undefined)
    throw new Error(`ExternalArtifact ${ns}/${name} has no artifact`);
  return { ea, artifact };
}

/** Downloads an artifact (digest verified) and returns its files with their content. */
export async function artifactFiles(artifact: Artifact | undefined): Promise<Record<string, string>> {
  if (artifact?.digest === undefined) throw new Error('no artifact');
  const fetched = await fetchArtifact({ url: artifact.url, digest: artifact.digest, retries: 0 });
  try {
    const out: Record<string, string> = {};
    const walk = async (dir: string, prefix: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel);
        else out[rel] = await readFile(path.join(dir, entry.name), 'utf8');
      }
    };
    await walk(fetched.dir, '');
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  } finally {
    await fetched.cleanup();
  }
}
