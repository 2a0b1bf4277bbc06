// The flags of `get` and the table options they select.
import { Command, Option } from 'commander';
import { addKubeFlags, type KubeFlags } from '../../kube/flags.js';
import type { TableOptions } from '../../resources/status-table.js';

export interface GetFlags extends KubeFlags {
  readonly allNamespaces?: boolean;
  /** False with --no-header. */
  readonly header: boolean;
  readonly labelSelector?: string;
  readonly statusSelector?: string;
  readonly watch?: boolean;
  readonly output: 'table' | 'yaml' | 'json';
  readonly showSource?: boolean;
}

export function addGetFlags(cmd: Command, opts: { readonly watch: boolean }): Command {
  addKubeFlags(cmd)
    .option('-A, --all-namespaces', 'list the objects of every namespace')
    .option('--no-header', 'leave out the header line of the table')
    .option('-l, --label-selector <selector>', 'only objects with these labels (e.g. app=podinfo,env!=dev)')
    .option(
      '--status-selector <type=status>',
      'only objects whose condition has this status (e.g. ready=false)',
    )
    .addOption(
      new Option('-o, --output <format>', 'table, or the objects as the API returns them')
        .choices(['table', 'yaml', 'json'])
        .default('table'),
    );
  if (opts.watch) cmd.option('-w, --watch', 'after listing, print rows as the objects change, until Ctrl-C');
  return cmd;
}

export function tableOptions(flags: GetFlags): TableOptions {
  return {
    now: Date.now(),
    allNamespaces: flags.allNamespaces === true,
    noHeader: !flags.header,
    showSource: flags.showSource === true,
  };
}
