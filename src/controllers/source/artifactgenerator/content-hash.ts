// A digest of a directory's content as the archive will hold it (names, directories,
// file bytes and the executable bit): names the artifact file before it is written, so
// the same content always lands in the same file.
import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';

export async function contentHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  await walk(dir, '', hash);
  return hash.digest('hex');
}

async function walk(abs: string, rel: string, out: ReturnType<typeof createHash>): Promise<void> {
  const entries: Dirent[] = [];
  for await (const d of await opendir(abs)) entries.push(d);
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const d of entries) {
    const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
    const childAbs = path.join(abs, d.name);
    if (d.isDirectory()) {
      out.update(`d ${JSON.stringify(childRel)}\n`);
      await walk(childAbs, childRel, out);
    } else if (d.isFile()) {
      const st = await lstat(childAbs);
      const file = createHash('sha256');
      for await (const chunk of createReadStream(childAbs)) file.update(chunk as Buffer);
      out.update(`f ${st.mode & 0o111 ? 'x' : '-'} ${file.digest('hex')} ${JSON.stringify(childRel)}\n`);
    }
  }
}
