// `tide completion bash|zsh|fish|powershell`: a completion script generated from the
// live command tree (commands, aliases, flags, choices), completing object names of
// get/reconcile/suspend/… through the hidden `tide __complete`.
import { Argument, Command } from 'commander';
import type { CliContext } from '../../context.js';
import { rootOf } from './complete.js';
import { completionTree } from './model.js';
import { bashScript, zshScript } from './script-sh.js';
import { fishScript, powershellScript } from './script-other.js';
import { tablesOf, type Tables } from './tables.js';

export { newCompleteCommand } from './complete.js';

const SHELLS = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
  powershell: powershellScript,
} as const satisfies Record<string, (t: Tables, program: string) => string>;

type Shell = keyof typeof SHELLS;

export function newCompletionCommand(ctx: CliContext): Command {
  return new Command('completion')
    .description('Print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(Object.keys(SHELLS)))
    .addHelpText(
      'after',
      `
Examples:
  source <(tide completion bash)                      # bash, this shell
  tide completion zsh > "\${fpath[1]}/_tide"           # zsh, every shell
  tide completion fish | source                       # fish
  tide completion powershell | Out-String | Invoke-Expression`,
    )
    .action((shell: Shell, _opts: unknown, cmd: Command) => {
      const root = rootOf(cmd);
      ctx.output.outWrite(SHELLS[shell](tablesOf(completionTree(root)), root.name()));
    });
}
