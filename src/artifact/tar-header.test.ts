import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHeader, encodeHeader, parsePax, paxRecord } from './tar-header.js';

describe('tar header', () => {
  it('writes pax records whose length prefix counts the whole record, across digit boundaries', () => {
    for (let len = 0; len < 1200; len++) {
      const value = 'v'.repeat(len);
      const rec = paxRecord('path', value);
      assert.equal(Number(rec.toString().split(' ', 1)[0]), rec.length, `value length ${len}`);
      assert.equal(parsePax(rec).get('path'), value);
    }
  });

  it('round-trips a header and detects a corrupted checksum', () => {
    const b = encodeHeader({ name: 'a/b.yaml', mode: 0o600, size: 1234, typeflag: '0' });
    assert.deepEqual(decodeHeader(b), {
      name: 'a/b.yaml',
      mode: 0o600,
      size: 1234,
      typeflag: '0',
      linkname: '',
    });
    b[0] = 0x41;
    assert.throws(() => decodeHeader(b), /checksum/);
  });

  it('reads base-256 sizes and rejects negative ones', () => {
    const b = encodeHeader({ name: 'big', mode: 0o600, size: 0, typeflag: '0' });
    const withSize = (bytes: number[]): Buffer => {
      const c = Buffer.from(b);
      c.fill(0, 124, 136);
      Buffer.from(bytes).copy(c, 136 - bytes.length);
      c[124] = (c[124] ?? 0) | (bytes.length === 12 ? 0 : 0x80);
      c.write('        ', 148, 'latin1');
      let sum = 0;
      for (const x of c) sum += x;
      c.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
      return c;
    };
    assert.equal(decodeHeader(withSize([0x02, 0x80, 0, 0, 0])).size, 10 * 1024 ** 3);
    assert.throws(() => decodeHeader(withSize(Array<number>(12).fill(0xff))), /negative/);
  });

  it('rejects malformed pax records', () => {
    for (const bad of ['5 a=b\n', '99 path=x\n', 'x path=y\n', '9 novalue\n']) {
      assert.throws(() => parsePax(Buffer.from(bad)), /malformed/, bad);
    }
  });
});
