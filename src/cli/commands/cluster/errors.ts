import { ClusterStartError, SupervisorExit } from '../../../localcluster/events.js';
import { CliError, ExitCode } from '../../context.js';

/** Maps a start failure to the CLI's message and exit code. */
export function startFailure(err: unknown): unknown {
  if (!(err instanceof ClusterStartError)) return err;
  switch (err.details.exitCode) {
    case SupervisorExit.portInUse:
      return new CliError(err.message, ExitCode.portInUse);
    case SupervisorExit.dirInUse:
      return new CliError(err.message, ExitCode.clusterRunning);
    default:
      return new CliError(err.message, ExitCode.failure);
  }
}
