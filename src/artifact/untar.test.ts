import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { encodeHeader, paddingFor, paxRecord, TypeFlag } from './tar-header.js';
import { untar, UntarError, type UntarOptions } from './untar.js';

const MiB = 1024 * 1024;

/** Header blocks for one entry, with a pax header when the name needs it or a size override is given. */
function header(
  name: string,
  typeflag: string,
  size: number,
  opts: { mode?: number; linkname?: string; paxSize?: number } = {},
): Buffer {
  const records: Buffer[] = [];
  if (Buffer.byteLength(name) > 100 || !/^[\x20-\x7e]*$/.test(name)) records.push(paxRecord('path', name));
  if (opts.paxSize !== undefined) records.push(paxRecord('size', String(opts.paxSize)));
  const blocks: Buffer[] = [];
  if (records.length > 0) {
    const body = Buffer.concat(records);
    blocks.push(encodeHeader({ name: 'pax', mode: 0o644, size: body.length, typeflag: 'x' }), body);
    blocks.push(Buffer.alloc(paddingFor(body.length)));
  }
  blocks.push(
    encodeHeader({
      name: Buffer.byteLength(name) > 100 ? 'long' : name,
      mode: opts.mode ?? 0o644,
      size,
      typeflag,
      ...(opts.linkname === undefined ? {} : { linkname: opts.linkname }),
    }),
  );
  return Buffer.concat(blocks);
}

function entry(
  name: string,
  typeflag: string,
  data: string | Buffer = '',
  opts: { mode?: number; linkname?: string } = {},
): Buffer {
  const body = Buffer.from(data);
  return Buffer.concat([
    header(name, typeflag, body.length, opts),
    body,
    Buffer.alloc(paddingFor(body.length)),
  ]);
}

const END = Buffer.alloc(1024);
const tgz = (...parts: Buffer[]): Readable => Readable.from([gzipSync(Buffer.concat([...parts, END]))]);

/** A lazily generated, gzip-compressed stream; `produced()` says how many raw bytes were pulled. */
function lazyTgz(gen: () => Generator<Buffer>): {
  stream: Readable;
  produced: () => number;
  stop: () => void;
} {
  let produced = 0;
  const counting = function* (): Generator<Buffer> {
    for (const b of gen()) {
      produced += b.length;
      yield b;
    }
  };
  const src = Readable.from(counting(), { objectMode: false, highWaterMark: 64 * 1024 });
  const gz = createGzip({ level: 1 });
  src.pipe(gz);
  return { stream: gz, produced: () => produced, stop: () => src.destroy() };
}

describe('untar', () => {
  let tmp: string;
  let n = 0;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-untar-test-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** A fresh case dir holding `dest` and an `outside` sibling that must stay empty. */
  async function fresh(): Promise<{ base: string; dest: string; outside: string }> {
    const base = path.join(tmp, `case-${++n}`);
    const outside = path.join(base, 'outside');
    await mkdir(outside, { recursive: true });
    return { base, dest: path.join(base, 'dest'), outside };
  }

  async function expectRejected(
    stream: Readable,
    dest: string,
    pattern: RegExp,
    opts: UntarOptions = { maxBytes: 100 * MiB },
  ): Promise<UntarError> {
    let caught: unknown;
    await untar(stream, dest, opts).catch((err: unknown) => {
      caught = err;
    });
    assert.ok(caught instanceof UntarError, `expected UntarError, got ${String(caught)}`);
    assert.match(caught.message, pattern);
    return caught;
  }

  it('extracts regular files and directories, keeping contents and the executable bit', async () => {
    const { dest } = await fresh();
    const longName = 'deep/' + 'x'.repeat(120) + '/file.yaml';
    await untar(
      tgz(
        entry('./', TypeFlag.directory),
        entry('apps/', TypeFlag.directory, '', { mode: 0o700 }),
        entry('apps/app.yaml', TypeFlag.file, 'kind: Deployment\n'),
        entry('bin/run.sh', TypeFlag.file, '#!/bin/sh\n', { mode: 0o755 }),
        entry('old-style.txt', TypeFlag.fileOld, 'v7'),
        entry(longName, TypeFlag.file, 'long'),
        entry('unicodé/ñ.yaml', TypeFlag.file, 'utf8'),
        entry('empty', TypeFlag.file, ''),
      ),
      dest,
      { maxBytes: MiB },
    );
    assert.equal(await readFile(path.join(dest, 'apps/app.yaml'), 'utf8'), 'kind: Deployment\n');
    assert.equal(await readFile(path.join(dest, longName), 'utf8'), 'long');
    assert.equal(await readFile(path.join(dest, 'unicodé/ñ.yaml'), 'utf8'), 'utf8');
    assert.equal(await readFile(path.join(dest, 'old-style.txt'), 'utf8'), 'v7');
    assert.equal((await stat(path.join(dest, 'empty'))).size, 0);
    assert.equal((await stat(path.join(dest, 'bin/run.sh'))).mode & 0o100, 0o100);
    assert.equal((await stat(path.join(dest, 'apps/app.yaml'))).mode & 0o111, 0);
  });

  it('reads GNU long names', async () => {
    const { dest } = await fresh();
    const name = 'g/' + 'n'.repeat(150);
    const body = Buffer.from(name + '\0');
    await untar(
      tgz(
        encodeHeader({ name: '././@LongLink', mode: 0, size: body.length, typeflag: 'L' }),
        body,
        Buffer.alloc(paddingFor(body.length)),
        entry('truncated-name', TypeFlag.file, 'gnu'),
      ),
      dest,
      { maxBytes: MiB },
    );
    assert.equal(await readFile(path.join(dest, name), 'utf8'), 'gnu');
  });

  for (const name of ['../x', 'a/../../x', '/etc/x', '..\\x', 'a/..', 'C:/x', '']) {
    it(`rejects the entry name ${JSON.stringify(name)} and writes nothing`, async () => {
      const { base, dest, outside } = await fresh();
      const err = await expectRejected(
        tgz(entry('ok.txt', TypeFlag.file, 'ok'), entry(name, TypeFlag.file, 'pwned')),
        dest,
        /name|backslash|component|absolute/,
      );
      assert.equal(err.entry, name);
      assert.ok(err.message.includes(JSON.stringify(name)), `error names the entry: ${err.message}`);
      assert.deepEqual(await readdir(outside), []);
      assert.deepEqual((await readdir(base)).sort(), ['dest', 'outside']);
      assert.deepEqual(await readdir(dest), ['ok.txt']);
      await assert.rejects(stat('/etc/x'), /ENOENT/);
    });
  }

  it('rejects a symlink entry, so a later a/file can never be written through it', async () => {
    const { dest, outside } = await fresh();
    const err = await expectRejected(
      tgz(entry('a', TypeFlag.symlink, '', { linkname: outside }), entry('a/file', TypeFlag.file, 'pwned')),
      dest,
      /symlink entries are not allowed/,
    );
    assert.equal(err.entry, 'a');
    assert.deepEqual(await readdir(outside), []);
    assert.deepEqual(await readdir(dest), []);
  });

  it('rejects hardlink entries', async () => {
    const { dest, outside } = await fresh();
    await writeFile(path.join(outside, 'target'), 'secret');
    const err = await expectRejected(
      tgz(entry('h', TypeFlag.hardLink, '', { linkname: path.join(outside, 'target') })),
      dest,
      /hardlink entries are not allowed/,
    );
    assert.equal(err.entry, 'h');
    assert.deepEqual(await readdir(dest), []);
  });

  it('never writes through a symlink already in dest (directory or file)', async () => {
    const { dest, outside } = await fresh();
    await mkdir(dest);
    await symlink(outside, path.join(dest, 'a'));
    await symlink(path.join(outside, 'target'), path.join(dest, 'x'));
    await expectRejected(
      tgz(entry('a/file', TypeFlag.file, 'pwned')),
      dest,
      /"a" exists and is not a directory/,
    );
    await expectRejected(tgz(entry('x', TypeFlag.file, 'pwned')), dest, /cannot create file: (EEXIST|ELOOP)/);
    assert.deepEqual(await readdir(outside), []);
  });

  it('rejects duplicate file entries instead of overwriting', async () => {
    const { dest } = await fresh();
    await expectRejected(
      tgz(entry('f', TypeFlag.file, 'first'), entry('f', TypeFlag.file, 'second')),
      dest,
      /"f".*EEXIST/,
    );
    assert.equal(await readFile(path.join(dest, 'f'), 'utf8'), 'first');
  });

  const special: [string, string, RegExp][] = [
    ['char device', TypeFlag.charDevice, /device entries are not allowed/],
    ['block device', TypeFlag.blockDevice, /device entries are not allowed/],
    ['FIFO', TypeFlag.fifo, /FIFO entries are not allowed/],
    ['contiguous file', TypeFlag.contiguous, /unknown type "7"/],
    ['GNU sparse', 'S', /unknown type "S"/],
    ['unknown Z', 'Z', /unknown type "Z"/],
  ];
  for (const [what, flag, pattern] of special) {
    it(`rejects ${what} entries, naming them`, async () => {
      const { dest } = await fresh();
      const err = await expectRejected(tgz(entry(`dev/${flag}`, flag)), dest, pattern);
      assert.equal(err.entry, `dev/${flag}`);
      await assert.rejects(lstat(path.join(dest, 'dev', flag)), /ENOENT/);
    });
  }

  it('stops a 100k-deep directory chain at the depth limit, in bounded time', async () => {
    const { dest } = await fresh();
    const started = Date.now();
    const bomb = lazyTgz(function* () {
      let name = '';
      for (let i = 0; i < 100_000; i++) {
        name += 'd/';
        yield header(name, TypeFlag.directory, 0);
      }
    });
    await expectRejected(bomb.stream, dest, /depth 257 exceeds the limit of 256/);
    bomb.stop();
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('rejects a single name with 100k components as too long', async () => {
    const { dest } = await fresh();
    await expectRejected(
      tgz(entry('d/'.repeat(100_000) + 'f', TypeFlag.file, 'x')),
      dest,
      /longer than 4096 bytes/,
    );
    assert.deepEqual(await readdir(dest), []);
  });

  it('stops very many directories at the entry limit, in bounded time', async () => {
    const { dest } = await fresh();
    const started = Date.now();
    const bomb = lazyTgz(function* () {
      for (let i = 0; i < 1_000_000; i++) yield header(`d${i}/`, TypeFlag.directory, 0);
    });
    await expectRejected(bomb.stream, dest, /more than the limit of 2000 entries/, {
      maxBytes: MiB,
      maxEntries: 2000,
    });
    bomb.stop();
    assert.equal((await readdir(dest)).length, 2000);
    // 1M headers are 512 MB raw; only what sits in the gzip buffers is pulled beyond the limit.
    assert.ok(bomb.produced() < 32 * MiB, `read ${bomb.produced()} bytes past the limit`);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('implied parent directories count toward the entry limit too', async () => {
    const { dest } = await fresh();
    const deep = Array.from({ length: 200 }, (_, i) => `p${i}`).join('/');
    await expectRejected(tgz(entry(`${deep}/f`, TypeFlag.file, 'x')), dest, /limit of 50 entries/, {
      maxBytes: MiB,
      maxEntries: 50,
    });
  });

  it('refuses an entry declaring 10 GB before reading its data (gzip bomb)', async () => {
    const { dest } = await fresh();
    const tenGB = 10 * 1024 ** 3;
    const zeros = Buffer.alloc(MiB);
    const bomb = lazyTgz(function* () {
      yield header('bomb', TypeFlag.file, 0, { paxSize: tenGB });
      for (let i = 0; i < tenGB / MiB; i++) yield zeros;
    });
    const err = await expectRejected(
      bomb.stream,
      dest,
      /declared size 10737418240 .* untar limit of 104857600 bytes/,
    );
    bomb.stop();
    assert.equal(err.entry, 'bomb');
    assert.ok(bomb.produced() < 32 * MiB, `pulled ${bomb.produced()} bytes of the bomb`);
    await assert.rejects(stat(path.join(dest, 'bomb')), /ENOENT/);
  });

  it('stops at end-of-archive and never reads a trailing 10 GB of zeros', async () => {
    const { dest } = await fresh();
    const zeros = Buffer.alloc(MiB);
    const bomb = lazyTgz(function* () {
      yield entry('ok.txt', TypeFlag.file, 'ok');
      for (let i = 0; i < 10 * 1024; i++) yield zeros;
    });
    await untar(bomb.stream, dest, { maxBytes: MiB });
    bomb.stop();
    assert.equal(await readFile(path.join(dest, 'ok.txt'), 'utf8'), 'ok');
    assert.ok(bomb.produced() < 32 * MiB, `pulled ${bomb.produced()} bytes of zeros`);
  });

  it('caps the total of many honest entries at maxBytes with flat memory', async () => {
    const { dest } = await fresh();
    const cap = 64 * MiB;
    const chunk = Buffer.alloc(MiB);
    const bomb = lazyTgz(function* () {
      for (let i = 0; ; i++) {
        yield header(`f${i}`, TypeFlag.file, MiB);
        yield chunk;
      }
    });
    const baseline = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (baseline.heapUsed + baseline.arrayBuffers));
    }, 5);
    try {
      await expectRejected(
        bomb.stream,
        dest,
        /"f64": declared size 1048576 brings the archive past the untar limit of 67108864/,
        {
          maxBytes: cap,
        },
      );
    } finally {
      clearInterval(sampler);
      bomb.stop();
    }
    assert.ok(bomb.produced() < cap + 32 * MiB, `pulled ${bomb.produced()} bytes for a ${cap} cap`);
    assert.ok(peak < 32 * MiB, `memory grew by ${peak} bytes`);
    assert.equal((await readdir(dest)).length, 64);
  });

  it('catches a header that declares more bytes than the archive holds', async () => {
    for (const [declared, actual, written] of [
      [10_000, 512, /archive ends after 512 bytes but the header declared 10000/],
      [300_000, 200_192, /wrote 200192 bytes but the header declared 300000/],
    ] as const) {
      const { dest } = await fresh();
      const raw = Buffer.concat([header('liar', TypeFlag.file, declared), Buffer.alloc(actual, 0x61)]);
      const err = await expectRejected(Readable.from([gzipSync(raw)]), dest, written);
      assert.equal(err.entry, 'liar');
    }
  });

  it('catches a header that declares fewer bytes than follow (the rest is not a header)', async () => {
    const { dest } = await fresh();
    const raw = Buffer.concat([header('liar', TypeFlag.file, 10), Buffer.alloc(2048, 0x61), END]);
    await expectRejected(
      Readable.from([gzipSync(raw)]),
      dest,
      /invalid archive: invalid (tar header checksum|numeric field)/,
    );
  });

  it('rejects a truncated gzip stream and a corrupt one', async () => {
    const { dest } = await fresh();
    const good = gzipSync(Buffer.concat([entry('a', TypeFlag.file, 'x'.repeat(5000)), END]));
    await expectRejected(
      Readable.from([good.subarray(0, good.length - 20)]),
      dest,
      /extraction failed|truncated/,
    );
    const { dest: dest2 } = await fresh();
    await expectRejected(Readable.from([Buffer.from('not gzip at all')]), dest2, /extraction failed/);
  });

  it('honours an abort signal', async () => {
    const { dest } = await fresh();
    const ac = new AbortController();
    ac.abort(new Error('reconcile timed out'));
    await assert.rejects(
      untar(tgz(entry('a', TypeFlag.file, 'x')), dest, { maxBytes: MiB, signal: ac.signal }),
      /reconcile timed out/,
    );
  });
});
