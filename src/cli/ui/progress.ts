// Progress for waits: nothing for the first second (quick answers stay quiet), then a
// spinner with the elapsed time on a terminal, or one line per new message elsewhere
// (logs and CI keep a readable record). Symbols follow the flux CLI: ► action, ◎ waiting,
// ✔ done, ✗ failed.
import type { CliContext } from '../context.js';
import { style } from './style.js';

export interface Progress {
  /** Replaces what is being waited for ("waiting for 3 Kustomizations"). */
  update(message: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const QUIET_MS = 1000;
const FRAME_MS = 100;

export interface ProgressOptions {
  /** Printed with ✔ when fn resolves and the wait was shown (default: the message). */
  readonly done?: (elapsedMs: number) => string;
}

/**
 * Runs fn while showing `message` once it takes longer than a second. A failure
 * clears the spinner and is rethrown (the caller reports it).
 */
export async function withProgress<T>(
  ctx: CliContext,
  message: string,
  fn: (progress: Progress) => Promise<T>,
  opts: ProgressOptions = {},
): Promise<T> {
  const s = style(ctx);
  const start = Date.now();
  let current = message;
  const state = { shown: false };
  let frame = 0;
  let spinner: NodeJS.Timeout | undefined;
  const elapsed = (): string => `${((Date.now() - start) / 1000).toFixed(0)}s`;
  const draw = (): void => {
    const glyph = FRAMES[frame++ % FRAMES.length] ?? '';
    ctx.output.errWrite(`\r\x1b[2K${s.cyan(glyph)} ${current} ${s.dim(elapsed())}`);
  };
  const show = (): void => {
    state.shown = true;
    if (ctx.output.isTTY) {
      draw();
      spinner = setInterval(draw, FRAME_MS);
      spinner.unref();
    } else {
      ctx.output.err(`◎ ${current}`);
    }
  };
  const quiet = setTimeout(show, QUIET_MS);
  quiet.unref();
  const progress: Progress = {
    update(next) {
      if (next === current) return;
      current = next;
      if (state.shown && !ctx.output.isTTY) ctx.output.err(`◎ ${current}`);
    },
  };
  const clear = (): void => {
    clearTimeout(quiet);
    if (spinner !== undefined) clearInterval(spinner);
    if (state.shown && ctx.output.isTTY) ctx.output.errWrite('\r\x1b[2K');
  };
  try {
    const result = await fn(progress);
    clear();
    if (state.shown)
      ctx.output.err(`${s.green('✔')} ${opts.done?.(Date.now() - start) ?? `${message} (${elapsed()})`}`);
    return result;
  } catch (err) {
    clear();
    throw err;
  }
}
