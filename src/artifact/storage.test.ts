import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { createGunzip, gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { ARTIFACT_DIGEST_PATTERN } from '../api/meta/status.js';
import { ArtifactStorage } from './storage.js';

const ref = { kind: 'GitRepository', namespace: 'flux-system', name: 'podinfo' };

interface ListedEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  content: string;
}

/** Reads an archive back with an independent tar reader (tar-stream). */
async function listArchive(file: string): Promise<ListedEntry[]> {
  const extract = tar.extract();
  const entries: ListedEntry[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      entries.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        mtime: h.mtime.getTime(),
        content: Buffer.concat(chunks).toString(),
      });
    }
  })();
  await pipeline(createReadStream(file), createGunzip(), extract);
  await reading;
  return entries;
}

async function sha256File(file: string): Promise<string> {
  return (
    'sha256:' +
    createHash('sha256')
      .update(await readFile(file))
      .digest('hex')
  );
}

describe('ArtifactStorage', () => {
  let tmp: string;
  let storage: ArtifactStorage;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-storage-test-'));
    storage = await ArtifactStorage.open({
      root: path.join(tmp, 'storage'),
      advertisedAddress: 'source.svc:80',
    });
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function tree(name: string, files: [string, string, number][], mtimeSec: number): Promise<string> {
    const dir = path.join(tmp, name);
    for (const [rel, content, mode] of files) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), content);
      await chmod(path.join(dir, rel), mode);
      await utimes(path.join(dir, rel), mtimeSec, mtimeSec);
    }
    return dir;
  }

  it('archives the same tree to the same digest regardless of mtimes, modes and creation order', async () => {
    const a = await tree(
      'det-a',
      [
        ['deploy/app.yaml', 'kind: Deployment\n', 0o644],
        ['run.sh', '#!/bin/sh\n', 0o755],
        ['z/last.txt', 'z', 0o600],
        ['a.txt', 'a', 0o664],
      ],
      1_000_000,
    );
    const b = await tree(
      'det-b',
      [
        ['a.txt', 'a', 0o600],
        ['z/last.txt', 'z', 0o640],
        ['run.sh', '#!/bin/sh\n', 0o711],
        ['deploy/app.yaml', 'kind: Deployment\n', 0o600],
      ],
      2_000_000,
    );
    await chmod(path.join(b, 'deploy'), 0o700);
    const artA = await storage.archiveDirectory(ref, a, { filename: 'a.tar.gz', revision: 'main@sha1:a' });
    const artB = await storage.archiveDirectory({ ...ref, name: 'other' }, b, {
      filename: 'b.tar.gz',
      revision: 'main@sha1:b',
    });
    assert.equal(artA.digest, artB.digest);
    assert.equal(artA.size, artB.size);

    // A change of content or of the executable bit must change the digest.
    await writeFile(path.join(b, 'a.txt'), 'A');
    const changed = await storage.archiveDirectory({ ...ref, name: 'other' }, b, {
      filename: 'c.tar.gz',
      revision: 'r',
    });
    assert.notEqual(changed.digest, artA.digest);
    await writeFile(path.join(b, 'a.txt'), 'a');
    await chmod(path.join(b, 'run.sh'), 0o600);
    const noExec = await storage.archiveDirectory({ ...ref, name: 'other' }, b, {
      filename: 'd.tar.gz',
      revision: 'r',
    });
    assert.notEqual(noExec.digest, artA.digest);
  });

  it('writes normalized headers: relative sorted names, uid/gid 0, no names, zero mtime, 0750/0600/0700', async () => {
    const dir = await tree(
      'headers',
      [
        ['b/y.yaml', 'y', 0o664],
        ['a.yaml', 'a', 0o644],
        ['tools/run.sh', 'exec', 0o775],
      ],
      1_500_000,
    );
    const art = await storage.archiveDirectory(ref, dir, { filename: 'h.tar.gz', revision: 'r' });
    const entries = await listArchive(storage.localPath(art));
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.mode.toString(8)]),
      [
        ['a.yaml', 'file', '600'],
        ['b/', 'directory', '750'],
        ['b/y.yaml', 'file', '600'],
        ['tools/', 'directory', '750'],
        ['tools/run.sh', 'file', '700'],
      ],
    );
    for (const e of entries) {
      assert.deepEqual(
        [e.uid, e.gid, e.uname, e.gname, e.mtime],
        [0, 0, '', '', 0],
        `normalized header of ${e.name}`,
      );
    }
    assert.equal(entries.find((e) => e.name === 'tools/run.sh')?.content, 'exec');
  });

  it('leaves symlinks, sockets and everything but files and directories out of the archive', async () => {
    const outside = path.join(tmp, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'token'), 'SERVICE-ACCOUNT-TOKEN');
    const dir = await tree('links', [['ok.yaml', 'ok', 0o644]], 1);
    await symlink(path.join(outside, 'token'), path.join(dir, 'secret.yaml'));
    await symlink(outside, path.join(dir, 'linked-dir'));
    await symlink('ok.yaml', path.join(dir, 'relative-link.yaml'));
    const sock = net.createServer();
    await new Promise<void>((resolve) => sock.listen(path.join(dir, 'control.sock'), resolve));
    try {
      const art = await storage.archiveDirectory(ref, dir, { filename: 'links.tar.gz', revision: 'r' });
      const entries = await listArchive(storage.localPath(art));
      assert.deepEqual(
        entries.map((e) => e.name),
        ['ok.yaml'],
      );
      const raw = await readFile(storage.localPath(art));
      assert.ok(
        !gunzipSync(raw).toString('latin1').includes('SERVICE-ACCOUNT-TOKEN'),
        'token content never archived',
      );
    } finally {
      await new Promise<void>((resolve) => {
        sock.close(() => {
          resolve();
        });
      });
    }
  });

  it('applies the ignore callback and skips ignored directories entirely', async () => {
    const dir = await tree(
      'ign',
      [
        ['keep.yaml', 'k', 0o644],
        ['skip/inner.yaml', 's', 0o644],
        ['x.png', 'p', 0o644],
      ],
      1,
    );
    const seen: string[] = [];
    const art = await storage.archiveDirectory(ref, dir, {
      filename: 'ign.tar.gz',
      revision: 'r',
      ignore: (rel, isDir) => {
        seen.push(rel);
        return (isDir && rel === 'skip') || rel.endsWith('.png');
      },
    });
    assert.deepEqual(
      (await listArchive(storage.localPath(art))).map((e) => e.name),
      ['keep.yaml'],
    );
    assert.ok(!seen.includes('skip/inner.yaml'), 'children of an ignored directory are not visited');
  });

  it('returns a complete Artifact and stores the file with mode 0600', async () => {
    const dir = await tree('fields', [['f.yaml', 'f', 0o644]], 1);
    const art = await storage.archiveDirectory(ref, dir, {
      filename: 'abc.tar.gz',
      revision: 'main@sha1:abc',
      metadata: { 'org.opencontainers.image.revision': 'abc' },
    });
    assert.equal(art.path, 'gitrepository/flux-system/podinfo/abc.tar.gz');
    assert.equal(art.url, 'http://source.svc:80/gitrepository/flux-system/podinfo/abc.tar.gz');
    assert.equal(art.revision, 'main@sha1:abc');
    assert.match(art.digest ?? '', new RegExp(ARTIFACT_DIGEST_PATTERN));
    assert.match(art.lastUpdateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(art.metadata, { 'org.opencontainers.image.revision': 'abc' });
    const file = path.join(storage.root, art.path);
    const st = await stat(file);
    assert.equal(st.size, art.size);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(await sha256File(file), art.digest);

    const https = await ArtifactStorage.open({
      root: storage.root,
      advertisedAddress: 'https://cdn.example/',
    });
    const viaHttps = await https.storeFile(ref, 'index.yaml', Buffer.from('entries: {}\n'), 'r1');
    assert.equal(viaHttps.url, 'https://cdn.example/gitrepository/flux-system/podinfo/index.yaml');
    assert.equal(viaHttps.digest, 'sha256:' + createHash('sha256').update('entries: {}\n').digest('hex'));
  });

  it('rejects kinds, namespaces, names and files that would escape the object directory', async () => {
    const dir = await tree('esc', [['f', 'f', 0o644]], 1);
    const bad: [typeof ref, string][] = [
      [{ ...ref, namespace: '..' }, 'x.tar.gz'],
      [{ ...ref, name: 'a/b' }, 'x.tar.gz'],
      [{ ...ref, name: '..\\..' }, 'x.tar.gz'],
      [{ ...ref, kind: '../Git' }, 'x.tar.gz'],
      [ref, '../x.tar.gz'],
      [ref, '..'],
      [ref, '.hidden'],
      [ref, 'a\0b'],
    ];
    for (const [r, file] of bad) {
      await assert.rejects(
        storage.archiveDirectory(r, dir, { filename: file, revision: 'r' }),
        /not a valid|must not|escapes/,
        `${JSON.stringify(r)} ${JSON.stringify(file)}`,
      );
    }
    assert.throws(
      () => storage.localPath({ path: 'gitrepository/ns/../../etc/passwd' }),
      /kind\/namespace\/name\/file|valid/,
    );
    const everywhere = await readdir(tmp, { recursive: true });
    assert.ok(!everywhere.some((p) => p.endsWith('x.tar.gz')), 'no rejected file was written anywhere');
  });

  it('writes atomically: the final name only ever holds complete content, failures leave nothing behind', async () => {
    const big = path.join(tmp, 'big');
    await mkdir(big, { recursive: true });
    for (let i = 0; i < 8; i++)
      await writeFile(path.join(big, `f${i}.bin`), Buffer.alloc(2 * 1024 * 1024, i + 1));
    const target = { ...ref, name: 'atomic' };
    const objDir = path.join(storage.root, 'gitrepository', 'flux-system', 'atomic');
    const first = await storage.archiveDirectory(target, big, { filename: 'same.tar.gz', revision: 'r1' });

    // Rewrite the same file name while polling it: every read must be a whole archive.
    await writeFile(path.join(big, 'f0.bin'), Buffer.alloc(2 * 1024 * 1024, 9));
    const state = { done: false };
    const observed = new Set<string>();
    const poller = (async () => {
      while (!state.done) {
        const bytes = await readFile(path.join(objDir, 'same.tar.gz')).catch(() => undefined);
        if (bytes) observed.add('sha256:' + createHash('sha256').update(bytes).digest('hex'));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const second = await storage.archiveDirectory(target, big, { filename: 'same.tar.gz', revision: 'r2' });
    state.done = true;
    await poller;
    assert.notEqual(first.digest, second.digest);
    assert.ok(observed.size > 0, 'the poller read the file at least once');
    for (const d of observed)
      assert.ok(d === first.digest || d === second.digest, `partial content observed: ${d}`);

    // A failure mid-archive keeps the previous file intact and leaves no temp file.
    await assert.rejects(
      storage.archiveDirectory(target, big, {
        filename: 'same.tar.gz',
        revision: 'r3',
        ignore: (rel) => {
          if (rel === 'f5.bin') throw new Error('boom while walking');
          return false;
        },
      }),
      /boom while walking/,
    );
    assert.equal(await sha256File(path.join(objDir, 'same.tar.gz')), second.digest);
    assert.deepEqual(await readdir(objDir), ['same.tar.gz']);
    await assert.rejects(
      storage.archiveDirectory(target, path.join(tmp, 'missing'), { filename: 'm.tar.gz', revision: 'r' }),
    );
    assert.deepEqual(await readdir(objDir), ['same.tar.gz']);
  });

  it('verifies existence and digest, and survives a restart', async () => {
    const art = await storage.storeFile({ ...ref, name: 'verify' }, 'v.tar.gz', Buffer.from('payload'), 'r');
    assert.equal(await storage.verify(art), true);
    const reopened = await ArtifactStorage.open({ root: storage.root, advertisedAddress: 'x' });
    assert.equal(await reopened.verify(art), true, 'a new process verifies what the old one wrote');
    await writeFile(reopened.localPath(art), 'tampered');
    assert.equal(await reopened.verify(art), false);
    await rm(reopened.localPath(art));
    assert.equal(await reopened.verify(art), false);
    assert.equal(await reopened.verify({ ...art, digest: undefined }), false);
    assert.equal(await reopened.verify({ ...art, digest: 'md5:00' }), false);
  });

  it('serializes concurrent writes to one object: every result is whole and no temp file remains', async () => {
    const target = { ...ref, name: 'concurrent' };
    const payloads = Array.from({ length: 6 }, (_, i) => Buffer.alloc(512 * 1024, i));
    const arts = await Promise.all(payloads.map((p, i) => storage.storeFile(target, 'c.bin', p, `r${i}`)));
    const finalDigest = await sha256File(path.join(storage.root, arts[0]?.path ?? ''));
    assert.ok(
      arts.some((a) => a.digest === finalDigest),
      'final file equals one complete write',
    );
    assert.deepEqual(await readdir(path.join(storage.root, 'gitrepository', 'flux-system', 'concurrent')), [
      'c.bin',
    ]);
  });

  it('points a latest symlink at the artifact, and removes the whole object directory', async () => {
    const target = { ...ref, kind: 'Bucket', name: 'links' };
    const art = await storage.storeFile(target, 'rev1.tar.gz', Buffer.from('one'), 'r1');
    const url = await storage.setLatestSymlink(target, art, 'latest.tar.gz');
    assert.equal(url, 'http://source.svc:80/bucket/flux-system/links/latest.tar.gz');
    const art2 = await storage.storeFile(target, 'rev2.tar.gz', Buffer.from('two'), 'r2');
    await storage.setLatestSymlink(target, art2, 'latest.tar.gz');
    const link = path.join(storage.root, 'bucket', 'flux-system', 'links', 'latest.tar.gz');
    assert.equal((await lstat(link)).isSymbolicLink(), true);
    assert.equal(await readFile(link, 'utf8'), 'two');
    await assert.rejects(
      storage.setLatestSymlink({ ...target, name: 'other' }, art2, 'latest.tar.gz'),
      /does not belong/,
    );
    await storage.remove(target);
    await assert.rejects(stat(path.dirname(link)), /ENOENT/);
  });

  it('garbage collects by TTL and retention records, keeping the current artifact, symlinks and locks', async () => {
    const gcStorage = await ArtifactStorage.open({
      root: storage.root,
      advertisedAddress: 'x',
      retentionTtlMs: 60_000,
      retentionRecords: 2,
    });
    const target = { ...ref, name: 'gc' };
    const dir = path.join(storage.root, 'gitrepository', 'flux-system', 'gc');
    const nowSec = Date.now() / 1000;
    const arts = [];
    // Ages in seconds: 10 and 20 are fresh, 30 too; 120 and 600 have outlived the TTL.
    const ages = { 'a.tar.gz': 600, 'b.tar.gz': 120, 'c.tar.gz': 30, 'd.tar.gz': 20, 'e.tar.gz': 10 };
    for (const [name, age] of Object.entries(ages)) {
      arts.push(await gcStorage.storeFile(target, name, Buffer.from(name), 'r'));
      await utimes(path.join(dir, name), nowSec - age, nowSec - age);
    }
    await writeFile(path.join(dir, 'e.tar.gz.lock'), '');
    await utimes(path.join(dir, 'e.tar.gz.lock'), nowSec - 999, nowSec - 999);
    await symlink('a.tar.gz', path.join(dir, 'latest.tar.gz'));

    // Current artifact is the oldest: kept despite its age; expired b goes; of c, d, e, a only 2 newest stay.
    const current = arts[0];
    assert.ok(current, 'artifact a stored');
    const removed = await gcStorage.garbageCollect(target, current);
    assert.deepEqual(removed.sort(), ['b.tar.gz', 'c.tar.gz', 'd.tar.gz']);
    assert.deepEqual((await readdir(dir)).sort(), ['a.tar.gz', 'e.tar.gz', 'e.tar.gz.lock', 'latest.tar.gz']);
    assert.deepEqual(await gcStorage.garbageCollect(target, current), [], 'a second run finds nothing');
  });

  it('keeps files younger than the TTL when within the record count', async () => {
    const gcStorage = await ArtifactStorage.open({
      root: storage.root,
      advertisedAddress: 'x',
      retentionTtlMs: 60_000,
      retentionRecords: 3,
    });
    const target = { ...ref, name: 'gc-ttl' };
    const a = await gcStorage.storeFile(target, 'a.tar.gz', Buffer.from('a'), 'r');
    await gcStorage.storeFile(target, 'b.tar.gz', Buffer.from('b'), 'r');
    const c = await gcStorage.storeFile(target, 'c.tar.gz', Buffer.from('c'), 'r');
    assert.deepEqual(await gcStorage.garbageCollect(target, c), []);
    const dir = path.dirname(gcStorage.localPath(a));
    const old = Date.now() / 1000 - 61;
    await utimes(path.join(dir, 'a.tar.gz'), old, old);
    assert.deepEqual(await gcStorage.garbageCollect(target, c), ['a.tar.gz']);
  });
});
