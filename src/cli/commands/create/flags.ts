// Flags every `create` command shares (the flux CLI's --label, --export, --interval).
import { Command, Option } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import type { CliContext } from '../../context.js';
import { addKubeFlags, durationArg, type KubeFlags } from '../../kube/flags.js';
import { yamlDocuments } from '../../resources/manifest-yaml.js';
import { collect } from '../../resources/names.js';

export interface CreateFlags extends KubeFlags {
  readonly label: string[];
  readonly export?: boolean;
}

export interface IntervalFlags {
  /** Milliseconds. */
  readonly interval: number;
}

export function addCreateFlags(cmd: Command, opts: { readonly interval?: boolean } = {}): Command {
  addKubeFlags(cmd)
    .option('--label <key=value>', 'label to set on the object (repeatable, or comma-separated)', collect, [])
    .option('--export', 'print the object(s) as YAML on stdout instead of applying them');
  if (opts.interval === true) {
    cmd.addOption(
      new Option('--interval <duration>', 'how often the controller reconciles the object')
        .argParser(durationArg('--interval'))
        .default(60_000, '1m'),
    );
  }
  return cmd;
}

/** `--export`: the objects as a multi-document YAML stream on stdout. */
export function printExport(ctx: CliContext, objects: readonly KubeObject[]): void {
  ctx.output.outWrite(yamlDocuments(objects));
}
