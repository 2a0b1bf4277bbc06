// Git failures of bootstrap as messages that name the flag to fix.
import { NonFastForwardError } from '../../../bootstrap/repository.js';
import { GitAuthError, GitError, GitNotFoundError, GitTimeoutError } from '../../../git/errors.js';
import { CliError, ExitCode } from '../../context.js';
import type { Deadline } from '../install/deadline.js';
import type { BootstrapPlan } from './flags.js';

export function gitFailure(err: unknown, plan: BootstrapPlan, deadline: Deadline): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof NonFastForwardError) {
    return new CliError(
      `${err.message}: someone pushed to it meanwhile; run bootstrap again to build on their commit`,
    );
  }
  if (err instanceof GitAuthError) {
    const how =
      plan.url.protocol === 'ssh:'
        ? '--private-key-file (or the key in your SSH agent) must be allowed to push, and the host keys must match'
        : '--username/--password (or --with-bearer-token, --ca-file) must be valid and allowed to push';
    return new CliError(`${err.message}\n  Check the credentials: ${how}.`);
  }
  if (err instanceof GitNotFoundError) {
    return new CliError(
      `${err.message}\n  Check --url: the repository does not exist or the credentials cannot see it.`,
    );
  }
  if (err instanceof GitTimeoutError) {
    return new CliError(`${err.message} (--timeout ${deadline.label})`, ExitCode.timeout);
  }
  if (err instanceof GitError) {
    return new CliError(`${err.message}\n  Check that --url ${plan.url.href} is reachable from here.`);
  }
  return err;
}
