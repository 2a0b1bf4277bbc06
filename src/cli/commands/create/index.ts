// `tide create`: sources, Kustomizations and Git credentials, generated from flags and
// applied (or printed with --export), then waited for like the flux CLI does.
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { rejectUnknownWords } from '../../resources/noun-commands.js';
import { newCreateKustomizationCommand } from './kustomization.js';
import { newCreateSecretGitCommand } from './secret-git.js';
import { newCreateSourceGitCommand } from './source-git.js';

export function newCreateCommand(ctx: CliContext): Command {
  const source = new Command('source')
    .description('Create or update sources')
    .addCommand(newCreateSourceGitCommand(ctx));
  const secret = new Command('secret')
    .description('Create or update Secrets with credentials for sources')
    .addCommand(newCreateSecretGitCommand(ctx));
  const create = new Command('create')
    .description('Create or update sources, Kustomizations and secrets')
    .addCommand(source)
    .addCommand(newCreateKustomizationCommand(ctx))
    .addCommand(secret);
  rejectUnknownWords(create, 'tide create');
  rejectUnknownWords(source, 'tide create source');
  rejectUnknownWords(secret, 'tide create secret');
  return create;
}
