import { BuildError, ensureBinary, ToolchainError } from '../../../localcluster/binary.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';

/** Returns the local cluster binary, building it first when its sources changed. */
export async function clusterBinary(ctx: CliContext): Promise<string> {
  try {
    const result = await ensureBinary({
      cacheDir: ctx.cacheDir,
      onProgress: (line) => {
        ctx.output.err(`  ${line}`);
      },
    });
    if (result.built) {
      ctx.output.err(`built the local cluster in ${(result.buildSeconds ?? 0).toFixed(0)}s: ${result.path}`);
    }
    return result.path;
  } catch (err) {
    if (err instanceof ToolchainError) throw new CliError(err.message, ExitCode.toolchainMissing);
    if (err instanceof BuildError) throw new CliError(err.message, ExitCode.failure);
    throw err;
  }
}
