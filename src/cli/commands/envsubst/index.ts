// `tide envsubst [--strict]`: stdin to stdout with Flux's post-build substitution
// syntax (${var}, ${var:=default}, ${var/pattern/replacement}, ...) and the variables
// of the environment; `$var` and `$${var}` are left for the shell and for Flux.
import { Command } from 'commander';
import { expand, LimitExceeded, ParseFailure, UndefinedVariable } from '../../../render/envsubst.js';
import { CliError, type CliContext } from '../../context.js';

export function newEnvsubstCommand(ctx: CliContext): Command {
  return new Command('envsubst')
    .description('Substitute variables in stdin, with Flux syntax')
    .option('--strict', 'fail when a variable without a default is not set, naming each one', false)
    .addHelpText(
      'after',
      `
Examples:
  export REGION=eu-west-1 && tide envsubst < deployment.yaml
  tide build ks app --path ./apps --dry-run --kustomization-file app.yaml | tide envsubst --strict`,
    )
    .action(async (flags: { strict: boolean }) => {
      const input = await ctx.readStdin();
      ctx.output.outWrite(substituteEnv(input, environment(ctx.env), flags.strict));
    });
}

function environment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}

/** The substituted text; strict, every unset variable is named at once (not one per run). */
export function substituteEnv(text: string, vars: Readonly<Record<string, string>>, strict: boolean): string {
  const unset: string[] = [];
  const probe: Record<string, string> = { ...vars };
  for (;;) {
    try {
      const out = expand(text, probe, strict);
      if (unset.length === 0) return out;
      throw new CliError(
        `variable${unset.length === 1 ? '' : 's'} not set (--strict): ${unset.join(', ')}: ` +
          `export ${unset.length === 1 ? 'it' : 'them'}, or give a default such as \${${unset[0] ?? ''}:=value}`,
      );
    } catch (err) {
      // Each unset variable is recorded and given a placeholder so the next pass finds the following one.
      if (err instanceof UndefinedVariable && !Object.hasOwn(probe, err.variable)) {
        unset.push(err.variable);
        probe[err.variable] = '';
        continue;
      }
      if (err instanceof ParseFailure) {
        throw new CliError(
          `stdin line ${err.line}, column ${err.column}: ${err.message}: write a literal "\${" as "$\${"`,
        );
      }
      if (err instanceof LimitExceeded) throw new CliError(`${err.message}: simplify the expression`);
      throw err;
    }
  }
}
