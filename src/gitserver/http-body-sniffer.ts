import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UploadPackSniffer } from './upload-pack-sniffer.js';

/**
 * Observes an upload-pack POST body (as it streams to git-http-backend) and resolves with the
 * requested command. git gzips large request bodies, so those are inflated on a side channel; the
 * backend itself still receives the original bytes. Always settles, even for aborted or corrupt
 * bodies (with `undefined` if nothing was recognized).
 */
export function sniffUploadPackBody(body: Readable, gzipped: boolean): Promise<string | undefined> {
  const sniffer = new UploadPackSniffer('single-request');
  return new Promise((resolve) => {
    const settle = (): void => {
      resolve(sniffer.command);
    };
    if (!gzipped) {
      observe(body, (chunk) => {
        sniffer.push(chunk);
        if (sniffer.done) settle();
      });
      body.once('end', settle);
      body.once('close', settle);
      return;
    }
    const gunzip = createGunzip();
    gunzip.on('data', (chunk: Buffer) => {
      sniffer.push(chunk);
      if (sniffer.done) {
        settle();
        gunzip.destroy();
      }
    });
    gunzip.on('error', settle);
    gunzip.once('end', settle);
    gunzip.once('close', settle);
    const writable = (): boolean => !gunzip.destroyed && !gunzip.writableEnded;
    observe(body, (chunk) => {
      if (writable()) gunzip.write(chunk);
    });
    const endInput = (): void => {
      if (writable()) gunzip.end();
    };
    body.once('end', endInput);
    body.once('close', endInput);
  });
}

/** Adds a passive `data` listener; the body's consumer (a pipe) keeps control of flow. */
function observe(body: Readable, onChunk: (chunk: Buffer) => void): void {
  body.on('data', (chunk: Buffer) => {
    onChunk(chunk);
  });
}
