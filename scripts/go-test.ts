// Runs the Go tests of renderer/ with the upstream tools they compare against
// (kustomize, helm, sops built from the same module graph), so that no
// comparison is skipped for want of a binary.
import { spawn } from 'node:child_process';
import { defaultCacheDir } from '../src/localcluster/defaults.js';
import { ensureUpstreamTools, rendererModuleDir, versionLdflags } from '../src/render/binary.js';

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
}

const tools = await ensureUpstreamTools({
  cacheDir: defaultCacheDir(process.env),
  onProgress: (line) => {
    console.log(line);
  },
});
const env = {
  ...process.env,
  TIDE_KUSTOMIZE_BIN: tools.kustomize,
  TIDE_HELM_BIN: tools.helm,
  TIDE_SOPS_BIN: tools.sops,
};
const dir = rendererModuleDir();
let code = await run('go', ['vet', './...'], dir, env);
// The same version stamps as tide-render and the tools, or Helm reports different versions.
const ldflags = `-ldflags=${versionLdflags(dir).join(' ')}`;
if (code === 0)
  code = await run('go', ['test', '-count=1', ldflags, ...process.argv.slice(2), './...'], dir, env);
process.exitCode = code;
