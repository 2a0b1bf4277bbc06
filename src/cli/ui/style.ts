// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
import type { CliContext } from '../context.js';

export interface Style {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const wrap =
  (open: number, close: number) =>
  (text: string): string =>
    `\x1b[${open}m${text}\x1b[${close}m`;

const COLOUR: Style = {
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  bold: wrap(1, 22),
  dim: wrap(2, 22),
};

const identity = (text: string): string => text;
const PLAIN: Style = {
  green: identity,
  red: identity,
  yellow: identity,
  cyan: identity,
  bold: identity,
  dim: identity,
};

export function colourEnabled(ctx: Pick<CliContext, 'output' | 'env'>): boolean {
  const noColor = ctx.env['NO_COLOR'];
  return ctx.output.isTTY && (noColor === undefined || noColor === '');
}

export function style(ctx: Pick<CliContext, 'output' | 'env'>): Style {
  return colourEnabled(ctx) ? COLOUR : PLAIN;
}
