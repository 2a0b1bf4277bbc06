// The flux CLI's status lines on stderr: ► action, ✔ success, ◎ waiting, ✚ generating,
// ⚠ warning. Colour only where the ui helpers allow it.
import type { CliContext } from '../context.js';
import { style } from '../ui/style.js';

export interface LogLines {
  action(message: string): void;
  success(message: string): void;
  waiting(message: string): void;
  generate(message: string): void;
  warning(message: string): void;
}

export function logLines(ctx: CliContext): LogLines {
  const s = style(ctx);
  return {
    action: (m) => {
      ctx.output.err(`► ${m}`);
    },
    success: (m) => {
      ctx.output.err(`${s.green('✔')} ${m}`);
    },
    waiting: (m) => {
      ctx.output.err(`◎ ${m}`);
    },
    generate: (m) => {
      ctx.output.err(`✚ ${m}`);
    },
    warning: (m) => {
      ctx.output.err(`${s.yellow('⚠')} ${m}`);
    },
  };
}
