// A stand-in for a test process that starts a cluster and then fails: it
// prints the cluster's state, then throws (mode "throw") or waits to be
// killed (mode "wait").
import { ensureBinary } from '../binary.js';
import { startLocalCluster } from '../cluster.js';
import { defaultCacheDir } from '../defaults.js';

const mode = process.argv[2] ?? 'throw';
const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
const cluster = await startLocalCluster({ binary: binary.path });
process.stdout.write(`${JSON.stringify({ pid: cluster.pid, dir: cluster.dir, components: cluster.components })}\n`);
if (mode === 'throw') throw new Error('simulated test failure');
setInterval(() => undefined, 1000);
