import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Artifact } from '../api/meta/status.js';
import { startArtifactServer, type ArtifactServer } from './server.js';
import { ArtifactStorage } from './storage.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends the path verbatim (no client-side normalization of "..", "%2e" or "\\"). */
function rawRequest(base: string, rawPath: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('artifact server', () => {
  const ref = { kind: 'GitRepository', namespace: 'default', name: 'app' };
  let tmp: string;
  let storage: ArtifactStorage;
  let server: ArtifactServer;
  let artifact: Artifact;
  let content: Buffer;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-server-test-'));
    await mkdir(path.join(tmp, 'outside'));
    await writeFile(path.join(tmp, 'outside', 'secret.txt'), 'OUTSIDE-SECRET');
    const src = path.join(tmp, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'a.yaml'), 'a: 1\n'.repeat(5000));
    storage = await ArtifactStorage.open({ root: path.join(tmp, 'storage'), advertisedAddress: 'ignored' });
    artifact = await storage.archiveDirectory(ref, src, { filename: 'rev.tar.gz', revision: 'main@sha1:1' });
    await storage.setLatestSymlink(ref, artifact, 'latest.tar.gz');
    const objDir = path.dirname(storage.localPath(artifact));
    content = await readFile(storage.localPath(artifact));
    await symlink(path.join(tmp, 'outside', 'secret.txt'), path.join(objDir, 'leak.txt'));
    await symlink(path.join(tmp, 'outside'), path.join(storage.root, 'gitrepository', 'default', 'evil'));
    await writeFile(path.join(objDir, '.tmp-0000-partial.tar.gz'), 'partial');
    server = await startArtifactServer({ storage, addr: '127.0.0.1:0' });
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves the exact bytes, whose sha256 is the artifact digest', async () => {
    const res = await rawRequest(server.url, '/' + artifact.path);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(artifact.size));
    assert.deepEqual(res.body, content);
    assert.equal('sha256:' + createHash('sha256').update(res.body).digest('hex'), artifact.digest);
    // The Artifact URL path is what consumers request.
    assert.equal(new URL(artifact.url).pathname, '/' + artifact.path);
  });

  it('answers HEAD with the length and no body', async () => {
    const res = await rawRequest(server.url, '/' + artifact.path, 'HEAD');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(artifact.size));
    assert.equal(res.body.length, 0);
  });

  it('follows a symlink that stays inside the root (latest.tar.gz)', async () => {
    const res = await rawRequest(server.url, '/gitrepository/default/app/latest.tar.gz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, content);
  });

  const refused = [
    '/../outside/secret.txt',
    '/%2e%2e/outside/secret.txt',
    '/%2E%2E%2Foutside%2Fsecret.txt',
    '/gitrepository/..%2f..%2foutside%2fsecret.txt',
    '/gitrepository/default/app/..%5c..%5c..%5c..%5coutside%5csecret.txt',
    '/gitrepository/default/app/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside/secret.txt',
    '/gitrepository/default/app/leak.txt',
    '/gitrepository/default/evil/secret.txt',
    '/gitrepository/default/app/.tmp-0000-partial.tar.gz',
    '/gitrepository/default/app/',
    '/gitrepository/default/app',
    '/gitrepository',
    '/',
    '//etc/passwd',
    '/%00',
    '/%E0%A4%A',
    '/gitrepository/default/app/missing.tar.gz',
  ];
  for (const p of refused) {
    it(`answers 404 for ${p}`, async () => {
      const res = await rawRequest(server.url, p);
      assert.equal(res.status, 404);
      assert.ok(!res.body.toString().includes('OUTSIDE-SECRET'), 'no outside content');
      assert.ok(!res.body.toString().includes('a.yaml'), 'no directory listing');
    });
  }

  it('refuses methods other than GET and HEAD', async () => {
    const res = await rawRequest(server.url, '/' + artifact.path, 'DELETE');
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
  });
});
