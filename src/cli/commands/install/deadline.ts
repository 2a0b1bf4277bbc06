// One --timeout for a whole command (install, uninstall, check): every request and
// wait shares the same deadline, and running out of it is reported as such.
import { InstallError } from '../../../install/apply.js';
import { ApiError } from '../../../runtime/client/errors.js';
import { formatDuration } from '../../../runtime/manager/duration.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';

export class Deadline {
  readonly #started = Date.now();
  readonly #timeout: AbortSignal;
  /** Aborts at the deadline or on Ctrl-C. */
  readonly signal: AbortSignal;
  /** The timeout as the user wrote it (e.g. 5m). */
  readonly label: string;

  constructor(
    private readonly ctx: CliContext,
    private readonly timeoutMs: number,
    /** What is running, for messages: "install", "uninstall". */
    private readonly what: string,
    /** The --timeout the user gave, when the deadline adds a grace period to it. */
    userTimeoutMs = timeoutMs,
  ) {
    this.#timeout = AbortSignal.timeout(timeoutMs);
    this.signal = AbortSignal.any([ctx.signal, this.#timeout]);
    this.label = formatDuration(userTimeoutMs);
  }

  remainingMs(): number {
    return Math.max(0, this.timeoutMs - (Date.now() - this.#started));
  }

  get expired(): boolean {
    return this.#timeout.aborted;
  }

  /** Runs fn with the deadline's signal; a timeout, an interrupt or an InstallError become CliErrors. */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await fn(this.signal);
    } catch (err) {
      const detail = err instanceof InstallError ? `: ${err.message}` : '';
      if (this.#timeout.aborted) {
        throw new CliError(
          `${this.what} did not finish within --timeout ${this.label}${detail}`,
          ExitCode.timeout,
        );
      }
      if (this.ctx.signal.aborted) throw new CliError(`${this.what} interrupted`, ExitCode.failure);
      if (err instanceof InstallError || err instanceof ApiError)
        throw new CliError(err.message, ExitCode.failure);
      if (isSystemError(err))
        throw new CliError(`cannot reach the API server: ${err.message}`, ExitCode.failure);
      throw err;
    }
  }
}

/** Connection failures (ECONNREFUSED, ENOTFOUND, certificate errors) carry a string code. */
function isSystemError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}
