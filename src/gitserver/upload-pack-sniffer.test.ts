import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sniffUploadPackBody } from './http-body-sniffer.js';
import { UploadPackSniffer } from './upload-pack-sniffer.js';

function pkt(line: string): string {
  return (line.length + 4).toString(16).padStart(4, '0') + line;
}

const OID = 'a'.repeat(40);
const LS_REFS = pkt('command=ls-refs\n') + pkt('agent=git/2.39\n') + '0001' + pkt('peel\n') + '0000';
const FETCH = pkt('command=fetch\n') + '0001' + pkt(`want ${OID}\n`) + pkt('done\n') + '0000';

describe('UploadPackSniffer', () => {
  it('reads the v2 command of a single request', () => {
    const sniffer = new UploadPackSniffer('single-request');
    sniffer.push(Buffer.from(LS_REFS));
    assert.equal(sniffer.command, 'ls-refs');
    assert.equal(sniffer.done, true);
  });

  it('copes with pkt-lines split across chunks', () => {
    const sniffer = new UploadPackSniffer('single-request');
    for (const byte of Buffer.from(FETCH)) {
      sniffer.push(Buffer.from([byte]));
    }
    assert.equal(sniffer.command, 'fetch');
  });

  it('reports fetch for a session that lists refs and then fetches', () => {
    const sniffer = new UploadPackSniffer('session');
    sniffer.push(Buffer.from(LS_REFS));
    assert.equal(sniffer.command, 'ls-refs');
    assert.equal(sniffer.done, false);
    sniffer.push(Buffer.from(FETCH));
    assert.equal(sniffer.command, 'fetch');
    assert.equal(sniffer.done, true);
  });

  it('keeps ls-refs for a session that only lists refs', () => {
    const sniffer = new UploadPackSniffer('session');
    sniffer.push(Buffer.from(LS_REFS + '0000'));
    assert.equal(sniffer.command, 'ls-refs');
  });

  it('treats v0 want lines as a fetch and a bare flush as nothing', () => {
    const v0 = new UploadPackSniffer('session');
    v0.push(Buffer.from(pkt(`want ${OID} multi_ack side-band-64k\n`) + '0000' + pkt('done\n')));
    assert.equal(v0.command, 'fetch');

    const listing = new UploadPackSniffer('session');
    listing.push(Buffer.from('0000'));
    assert.equal(listing.command, undefined);
  });

  it('gives up on input that is not pkt-line framed', () => {
    const sniffer = new UploadPackSniffer('session');
    sniffer.push(Buffer.from('GET / HTTP/1.1\r\n'));
    assert.equal(sniffer.done, true);
    assert.equal(sniffer.command, undefined);
  });
});

describe('sniffUploadPackBody', () => {
  it('reads plain bodies', async () => {
    const body = new PassThrough();
    const result = sniffUploadPackBody(body, false);
    body.end(Buffer.from(LS_REFS));
    assert.equal(await result, 'ls-refs');
  });

  it('inflates gzip bodies without consuming them for other readers', async () => {
    const body = new PassThrough();
    const compressed = gzipSync(Buffer.from(FETCH));
    const received: Buffer[] = [];
    const result = sniffUploadPackBody(body, true);
    body.on('data', (chunk: Buffer) => received.push(chunk));
    body.write(compressed.subarray(0, 10));
    body.end(compressed.subarray(10));
    assert.equal(await result, 'fetch');
    assert.deepEqual(Buffer.concat(received), compressed);
  });

  it('settles with undefined for corrupt gzip and for aborted bodies', async () => {
    const corrupt = new PassThrough();
    const corruptResult = sniffUploadPackBody(corrupt, true);
    corrupt.end(Buffer.from('definitely not gzip'));
    assert.equal(await corruptResult, undefined);

    const aborted = new PassThrough();
    const abortedResult = sniffUploadPackBody(aborted, false);
    aborted.write(Buffer.from('00'));
    aborted.destroy();
    assert.equal(await abortedResult, undefined);
  });
});
