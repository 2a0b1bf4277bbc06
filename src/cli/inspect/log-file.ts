// Reading a log file as `tail` does: the last N lines (or all), then, when following,
// the lines appended afterwards until the signal aborts. A file that shrinks was
// truncated or replaced and is read again from its start.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

export interface TailOptions {
  /** Lines from the end; undefined: the whole file. */
  readonly tail?: number;
  readonly follow?: boolean;
  readonly signal: AbortSignal;
  /** How often a followed file is checked for new lines. */
  readonly pollMs?: number;
}

/**
 * The file's complete lines (the last `tail` of them when given) and the offset after
 * them; a last line still being written is left for the next read.
 */
export async function readLines(file: string, tail?: number): Promise<{ lines: string[]; offset: number }> {
  const { size } = await stat(file);
  if (size === 0) return { lines: [], offset: 0 };
  const lines: string[] = [];
  let last = '';
  const input = createReadStream(file, { start: 0, end: size - 1 });
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lines.push(line);
    last = line;
    if (tail !== undefined && lines.length > tail + 1) lines.shift();
  }
  if (!(await endsWithNewline(file, size))) {
    lines.pop();
    return { lines: trimTo(lines, tail), offset: size - Buffer.byteLength(last) };
  }
  return { lines: trimTo(lines, tail), offset: size };
}

function trimTo(lines: string[], tail: number | undefined): string[] {
  return tail === undefined || lines.length <= tail ? lines : lines.slice(lines.length - tail);
}

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** Calls onLine for each line of the file, then for new ones while following. */
export async function tailFile(
  file: string,
  opts: TailOptions,
  onLine: (line: string) => void,
): Promise<void> {
  const first = await readLines(file, opts.tail);
  for (const line of first.lines) onLine(line);
  if (opts.follow !== true) return;
  let offset = first.offset;
  let partial = '';
  const poll = opts.pollMs ?? 250;
  while (!opts.signal.aborted) {
    try {
      await delay(poll, undefined, { signal: opts.signal });
    } catch {
      return;
    }
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      continue; // being replaced
    }
    if (size < offset) {
      offset = 0;
      partial = '';
    }
    if (size === offset) continue;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const chunk = partial + buffer.subarray(0, bytesRead).toString('utf8');
      const parts = chunk.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
    } finally {
      await handle.close();
    }
  }
}
