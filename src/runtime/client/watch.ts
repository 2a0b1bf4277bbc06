// Decoding of a watch response: one JSON event per line.
import type { Readable } from 'node:stream';
import type { KubeObject } from '../../api/object.js';
import type { StatusBody } from './errors.js';

export type WatchEvent<T extends KubeObject = KubeObject> =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; readonly object: T }
  | { readonly type: 'ERROR'; readonly object: StatusBody };

export async function* parseWatchStream<T extends KubeObject>(
  stream: Readable,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent<T>> {
  let buffered = '';
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) {
      buffered += chunk as string;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield JSON.parse(line) as WatchEvent<T>;
        newline = buffered.indexOf('\n');
      }
    }
  } catch (err) {
    // An abort ends the stream quietly; anything else (a reset connection) is the caller's to handle.
    if (!signal.aborted) throw err;
  } finally {
    stream.destroy();
  }
  const rest = buffered.trim();
  if (rest !== '' && !signal.aborted) yield JSON.parse(rest) as WatchEvent<T>;
}
