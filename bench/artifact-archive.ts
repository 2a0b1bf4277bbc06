// Cost of building an artifact from a tree of N files (deterministic tar.gz, digest,
// atomic write), of verifying it, and of extracting it again with the hardened untar.
// Usage: npx tsx bench/artifact-archive.ts [files=5000] [bytesPerFile=2048]
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ArtifactStorage } from '../src/artifact/storage.js';
import { untar } from '../src/artifact/untar.js';

const files = Number(process.argv[2] ?? 5000);
const bytesPerFile = Number(process.argv[3] ?? 2048);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-bench-artifact-'));
try {
  const src = path.join(tmp, 'src');
  for (let i = 0; i < files; i++) {
    const dir = path.join(src, `dir-${i % 50}`, `sub-${i % 7}`);
    await mkdir(dir, { recursive: true });
    // Half text-like (compressible), half random, like a repo with some binaries.
    const body =
      i % 2 === 0
        ? Buffer.from('key: value\n'.repeat(Math.ceil(bytesPerFile / 11)))
        : randomBytes(bytesPerFile);
    await writeFile(path.join(dir, `file-${i}.yaml`), body.subarray(0, bytesPerFile));
  }
  const storage = await ArtifactStorage.open({ root: path.join(tmp, 'storage'), advertisedAddress: 'bench' });
  const ref = { kind: 'GitRepository', namespace: 'bench', name: 'tree' };
  const runs: number[] = [];
  let artifact;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    artifact = await storage.archiveDirectory(ref, src, { filename: `run-${r}.tar.gz`, revision: 'bench' });
    runs.push(performance.now() - t0);
  }
  if (artifact === undefined) throw new Error('no artifact');
  const t1 = performance.now();
  await storage.verify(artifact);
  const verifyMs = performance.now() - t1;
  const rawBytes = files * bytesPerFile;
  const t2 = performance.now();
  await untar(createReadStream(storage.localPath(artifact)), path.join(tmp, 'out'), {
    maxBytes: rawBytes * 2,
  });
  const untarMs = performance.now() - t2;
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
  console.log(
    `${files} files x ${bytesPerFile} B (${mib(rawBytes)} MiB raw) -> ${mib(artifact.size ?? 0)} MiB tar.gz`,
  );
  console.log(
    `archive: ${runs.map((t) => t.toFixed(0)).join(' / ')} ms (3 runs, same digest ${artifact.digest ?? ''})`,
  );
  console.log(
    `verify: ${verifyMs.toFixed(0)} ms; untar: ${untarMs.toFixed(0)} ms (${(rawBytes / 1024 / 1024 / (untarMs / 1000)).toFixed(1)} MiB/s, ${(files / (untarMs / 1000)).toFixed(0)} files/s)`,
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
