// Start-up failures of `tide controller`, as messages that name the flag at fault and
// exit codes a supervisor can tell apart.
import { BuildError, ToolchainError } from '../../../gobuild/build.js';
import { parseAddress } from '../../../runtime/metrics/server.js';
import { CliError, ExitCode } from '../../context.js';
import type { ControllerConfig } from './flags.js';

/** The fields Node puts on system errors. */
interface SystemError {
  readonly code?: string;
  readonly syscall?: string;
  readonly port?: number;
  readonly path?: string;
}

function systemError(err: unknown): SystemError {
  return typeof err === 'object' && err !== null ? err : {};
}

function portOf(addr: string): number | undefined {
  try {
    return parseAddress(addr).port;
  } catch {
    return undefined;
  }
}

/** Maps an error from starting or running the controllers to the CLI's message and exit code. */
export function controllerFailure(err: unknown, config: ControllerConfig): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof ToolchainError) {
    return new CliError(
      `${err.message}\n  The kustomize controller needs tide-render: install Go, or point TIDE_RENDER_BINARY at a prebuilt one.`,
      ExitCode.toolchainMissing,
    );
  }
  if (err instanceof BuildError) return new CliError(err.message, ExitCode.failure);
  const sys = systemError(err);
  if (sys.syscall === 'listen') {
    const flags: [string, string][] = [
      ['--metrics-addr', config.manager.metricsAddr],
      ['--health-addr', config.manager.healthAddr],
      ...(config.controllers.includes('source')
        ? [['--storage-addr', config.source.storageAddr] as [string, string]]
        : []),
    ];
    const culprit = flags.find(([, addr]) => sys.port !== undefined && portOf(addr) === sys.port);
    const what = culprit === undefined ? `port ${sys.port ?? '?'}` : `${culprit[0]} ${culprit[1]}`;
    const why =
      sys.code === 'EADDRINUSE' ? 'the address is already in use' : `cannot listen (${sys.code ?? 'error'})`;
    return new CliError(
      `${what}: ${why}; choose another address with ${culprit?.[0] ?? 'the address flags'}.`,
      ExitCode.portInUse,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  const storagePath = config.source.storagePath;
  if (sys.path !== undefined && (sys.path === storagePath || sys.path.startsWith(`${storagePath}/`))) {
    return new CliError(
      `--storage-path ${storagePath}: ${sys.code ?? message}; point --storage-path (or STORAGE_PATH) at a writable directory.`,
    );
  }
  return new CliError(message, ExitCode.failure);
}
