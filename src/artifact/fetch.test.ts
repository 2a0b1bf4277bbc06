import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Artifact } from '../api/meta/status.js';
import { ArtifactFetchError, DigestMismatchError, fetchArtifact } from './fetch.js';
import { startArtifactServer, type ArtifactServer } from './server.js';
import { ArtifactStorage } from './storage.js';
import { encodeHeader, paddingFor } from './tar-header.js';
import { UntarError } from './untar.js';

const sha256 = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A scriptable HTTP server: each request takes the next planned response (the last one repeats). */
async function scriptedServer(
  plan: { status: number; body?: Buffer }[],
): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    const step = plan[Math.min(hits, plan.length - 1)] ?? { status: 500 };
    hits++;
    res.writeHead(step.status, { 'Content-Length': step.body?.length ?? 0 });
    res.end(step.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/gitrepository/ns/name/a.tar.gz`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** A tar.gz of many small files (written concurrently by untar) and then one entry that climbs out. */
function maliciousArchive(): Buffer {
  const blocks: Buffer[] = [];
  const add = (name: string, data: Buffer): void => {
    blocks.push(encodeHeader({ name, mode: 0o644, size: data.length, typeflag: '0' }), data);
    blocks.push(Buffer.alloc(paddingFor(data.length)));
  };
  for (let i = 0; i < 200; i++) add(`ok/file-${i}.yaml`, Buffer.from(`i: ${i}\n`));
  add('../pwned', Buffer.from('pwned'));
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

describe('fetchArtifact', () => {
  let tmp: string;
  let work: string;
  let storage: ArtifactStorage;
  let server: ArtifactServer;
  let artifact: Artifact;
  let artifactBytes: Buffer;
  const fast = { retryWaitMinMs: 1, retryWaitMaxMs: 5 };

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-fetch-test-'));
    const src = path.join(tmp, 'src');
    await mkdir(path.join(src, 'apps'), { recursive: true });
    await writeFile(path.join(src, 'apps', 'app.yaml'), 'kind: ConfigMap\n');
    await writeFile(path.join(src, 'kustomization.yaml'), 'resources: [apps/app.yaml]\n');
    storage = await ArtifactStorage.open({
      root: path.join(tmp, 'storage'),
      advertisedAddress: 'placeholder',
    });
    server = await startArtifactServer({ storage, addr: '127.0.0.1:0' });
    const built = await storage.archiveDirectory(
      { kind: 'GitRepository', namespace: 'ns', name: 'repo' },
      src,
      {
        filename: 'rev.tar.gz',
        revision: 'main@sha1:1',
      },
    );
    artifact = { ...built, url: `${server.url}/${built.path}` };
    artifactBytes = await readFile(storage.localPath(artifact));
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmp, 'work-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('downloads, verifies and extracts into a fresh random dir, and cleans up', async () => {
    const got = await fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', tmpDir: work });
    assert.match(path.basename(got.dir), /^tide-artifact-[A-Za-z0-9]{6}$/);
    assert.equal(await readFile(path.join(got.dir, 'apps', 'app.yaml'), 'utf8'), 'kind: ConfigMap\n');
    assert.deepEqual(await readdir(work), [path.basename(got.dir)], 'the download dir is already gone');
    await got.cleanup();
    assert.deepEqual(await readdir(work), []);
  });

  it('verifies sha384 and sha512 digests', async () => {
    for (const algo of ['sha384', 'sha512']) {
      const digest = `${algo}:${createHash(algo).update(artifactBytes).digest('hex')}`;
      const got = await fetchArtifact({ url: artifact.url, digest, tmpDir: work });
      assert.ok((await stat(path.join(got.dir, 'kustomization.yaml'))).isFile(), `${algo} fetch extracted`);
      await got.cleanup();
    }
  });

  it('rejects a digest mismatch before extracting anything', async () => {
    const tampered = await scriptedServer([{ status: 200, body: maliciousArchive() }]);
    const dest = path.join(work, 'dest');
    try {
      await assert.rejects(
        fetchArtifact({ url: tampered.url, digest: artifact.digest ?? '', dest, tmpDir: work, ...fast }),
        (err: unknown) => err instanceof DigestMismatchError && err.expected === artifact.digest,
      );
      assert.equal(tampered.hits(), 1, 'a mismatch is not retried');
      assert.deepEqual(await readdir(work), [], 'no dest, no download dir, nothing extracted');
      await assert.rejects(stat(path.join(tmp, 'pwned')), /ENOENT/);
    } finally {
      await tampered.close();
    }
  });

  it('removes the extraction dir when untar rejects the archive', async () => {
    const body = maliciousArchive();
    const srv = await scriptedServer([{ status: 200, body }]);
    try {
      await assert.rejects(fetchArtifact({ url: srv.url, digest: sha256(body), tmpDir: work }), UntarError);
      assert.deepEqual(await readdir(work), []);
      await assert.rejects(stat(path.join(work, '..', 'pwned')), /ENOENT/);
    } finally {
      await srv.close();
    }
  });

  it('gives a recognizable 404 and does not retry it', async () => {
    const url = `${server.url}/gitrepository/ns/repo/gone.tar.gz`;
    let caught: unknown;
    await fetchArtifact({ url, digest: artifact.digest ?? '', tmpDir: work, ...fast }).catch(
      (err: unknown) => {
        caught = err;
      },
    );
    assert.ok(caught instanceof ArtifactFetchError, `got ${String(caught)}`);
    assert.equal(caught.status, 404);
    assert.match(caught.message, /not found/);
    assert.deepEqual(await readdir(work), []);
  });

  it('retries server errors with capped backoff, then succeeds', async () => {
    const srv = await scriptedServer([
      { status: 503 },
      { status: 502 },
      { status: 200, body: artifactBytes },
    ]);
    try {
      const got = await fetchArtifact({ url: srv.url, digest: artifact.digest ?? '', tmpDir: work, ...fast });
      assert.equal(srv.hits(), 3);
      await got.cleanup();
    } finally {
      await srv.close();
    }
  });

  it('gives up after the configured retries', async () => {
    const srv = await scriptedServer([{ status: 500 }]);
    try {
      await assert.rejects(
        fetchArtifact({ url: srv.url, digest: artifact.digest ?? '', tmpDir: work, retries: 3, ...fast }),
        (err: unknown) => err instanceof ArtifactFetchError && err.status === 500,
      );
      assert.equal(srv.hits(), 4);
      assert.deepEqual(await readdir(work), []);
    } finally {
      await srv.close();
    }
  });

  it('enforces maxDownloadBytes and maxUntarBytes', async () => {
    await assert.rejects(
      fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', tmpDir: work, maxDownloadBytes: 10 }),
      /download limit of 10/,
    );
    await assert.rejects(
      fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', tmpDir: work, maxUntarBytes: 10 }),
      /untar limit of 10 bytes/,
    );
    assert.deepEqual(await readdir(work), []);
  });

  it('refuses an unsupported or malformed digest before any request', async () => {
    const srv = await scriptedServer([{ status: 200, body: artifactBytes }]);
    try {
      await assert.rejects(
        fetchArtifact({ url: srv.url, digest: 'md5:abc', tmpDir: work }),
        /unsupported digest/,
      );
      await assert.rejects(
        fetchArtifact({ url: srv.url, digest: 'sha256:zz', tmpDir: work }),
        /malformed sha256/,
      );
      assert.equal(srv.hits(), 0);
      assert.deepEqual(await readdir(work), []);
    } finally {
      await srv.close();
    }
  });

  it('extracts into a given dest and refuses a non-empty one', async () => {
    const dest = path.join(work, 'given', 'dest');
    const got = await fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', dest, tmpDir: work });
    assert.equal(got.dir, dest);
    assert.ok((await stat(path.join(dest, 'kustomization.yaml'))).isFile(), 'extracted into dest');
    await assert.rejects(
      fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', dest, tmpDir: work }),
      /not empty/,
    );
    await got.cleanup();
    assert.deepEqual(await readdir(path.join(work, 'given')), []);
  });

  it('runs concurrent fetches in distinct random dirs, cleaned up on success and failure', async () => {
    const bad = await scriptedServer([{ status: 200, body: maliciousArchive() }]);
    try {
      const ok = fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', tmpDir: work });
      const ok2 = fetchArtifact({ url: artifact.url, digest: artifact.digest ?? '', tmpDir: work });
      const failing = fetchArtifact({ url: bad.url, digest: sha256(maliciousArchive()), tmpDir: work });
      const mismatch = fetchArtifact({ url: bad.url, digest: artifact.digest ?? '', tmpDir: work, ...fast });
      const [a, b, c, d] = await Promise.allSettled([ok, ok2, failing, mismatch]);
      assert.ok(a.status === 'fulfilled' && b.status === 'fulfilled', 'both good fetches succeed');
      assert.ok(c.status === 'rejected' && c.reason instanceof UntarError, 'malicious archive rejected');
      assert.ok(d.status === 'rejected' && d.reason instanceof DigestMismatchError, 'mismatch rejected');
      assert.notEqual(a.value.dir, b.value.dir);
      assert.deepEqual(
        (await readdir(work)).sort(),
        [path.basename(a.value.dir), path.basename(b.value.dir)].sort(),
      );
      await Promise.all([a.value.cleanup(), b.value.cleanup()]);
      assert.deepEqual(await readdir(work), []);
    } finally {
      await bad.close();
    }
  });

  it('stops when aborted and leaves nothing behind', async () => {
    const srv = await scriptedServer([{ status: 503 }]);
    try {
      const ac = new AbortController();
      const pending = fetchArtifact({
        url: srv.url,
        digest: artifact.digest ?? '',
        tmpDir: work,
        retryWaitMinMs: 60_000,
        signal: ac.signal,
      });
      setTimeout(() => {
        ac.abort(new Error('reconcile deadline'));
      }, 50);
      await assert.rejects(pending, /reconcile deadline/);
      assert.deepEqual(await readdir(work), []);
    } finally {
      await srv.close();
    }
  });
});
