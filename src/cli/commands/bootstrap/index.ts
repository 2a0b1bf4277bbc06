// `tide bootstrap`: install Tide and make it manage itself from a Git repository.
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { newBootstrapGitCommand } from './git.js';

export function newBootstrapCommand(ctx: CliContext): Command {
  return new Command('bootstrap')
    .description('Install Tide and make it manage itself from a Git repository')
    .addCommand(newBootstrapGitCommand(ctx));
}
