// `tide get <noun> [name]`, `tide get all`, `tide get sources all`: status tables of
// Flux objects (or the objects themselves with -o yaml|json), optionally watched.
import { Command } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { kubeFrom } from '../../kube/flags.js';
import { addGetFlags, tableOptions, type GetFlags } from './flags.js';
import { getObject, listIfInstalled, listObjects } from '../../resources/lookup.js';
import { asOutputDocument, formatOutput } from '../../resources/manifest-yaml.js';
import { addNounCommands } from '../../resources/noun-commands.js';
import type { Noun } from '../../resources/nouns.js';
import { statusTable, statusTables } from '../../resources/status-table.js';
import { matchesStatus, parseStatusSelector, type StatusSelector } from './status-selector.js';
import { watchNoun } from './watch.js';

export function newGetCommand(ctx: CliContext): Command {
  return addNounCommands(new Command('get').description('Show sources and Kustomizations and their status'), {
    describe: (noun) => `Show ${noun.kind.kind} objects and their status`,
    leaf: (cmd, noun) => {
      addGetFlags(cmd.argument('[name]', 'only this object'), { watch: true });
      if (['Kustomization', 'HelmRelease', 'HelmChart'].includes(noun.kind.kind)) {
        cmd.option('--show-source', 'add a SOURCE column');
      }
      cmd.action(async (name: string | undefined, flags: GetFlags) => {
        await getNoun(ctx, noun, name, flags);
      });
    },
    all: (cmd, nouns) => {
      addGetFlags(cmd, { watch: false }).action(async (flags: GetFlags) => {
        await getAll(ctx, nouns, flags);
      });
    },
  });
}

function where(flags: GetFlags): string {
  return flags.allNamespaces === true ? 'any namespace' : `${flags.namespace} namespace`;
}

async function readObjects(
  ctx: CliContext,
  client: Awaited<ReturnType<typeof kubeFrom>>['client'],
  noun: Noun,
  name: string | undefined,
  flags: GetFlags,
): Promise<KubeObject[]> {
  if (name !== undefined && flags.allNamespaces !== true) {
    return [await getObject(client, noun, name, flags.namespace, ctx.signal)];
  }
  const objects = await listObjects(client, noun, {
    ...(flags.allNamespaces === true ? {} : { namespace: flags.namespace }),
    labelSelector: flags.labelSelector,
    fieldSelector: name === undefined ? undefined : `metadata.name=${name}`,
    signal: ctx.signal,
  });
  if (name !== undefined && objects.length === 0) {
    throw new CliError(`${noun.kind.kind} '${name}' not found in any namespace.`);
  }
  return objects;
}

async function getNoun(
  ctx: CliContext,
  noun: Noun,
  name: string | undefined,
  flags: GetFlags,
): Promise<void> {
  const selector = parseStatusSelector(flags.statusSelector);
  if (flags.watch === true && flags.output !== 'table') {
    throw new CliError('--watch prints table rows; it cannot be combined with -o.', ExitCode.usage);
  }
  const kube = await kubeFrom(ctx, flags);
  if (flags.watch === true) {
    await watchNoun(ctx, kube.client, noun, name, flags, selector);
    return;
  }
  const objects = (await readObjects(ctx, kube.client, noun, name, flags)).filter((o) =>
    matchesStatus(o, selector),
  );
  if (flags.output !== 'table') {
    ctx.output.outWrite(formatOutput(asOutputDocument(objects, name !== undefined), flags.output));
    return;
  }
  if (objects.length === 0) {
    ctx.output.err(`no ${noun.kind.kind} objects found in ${where(flags)}`);
    return;
  }
  const lines = statusTable(objects, tableOptions(flags));
  for (const line of lines) ctx.output.out(line);
}

async function getAll(ctx: CliContext, nouns: readonly Noun[], flags: GetFlags): Promise<void> {
  const selector: StatusSelector | undefined = parseStatusSelector(flags.statusSelector);
  const kube = await kubeFrom(ctx, flags);
  // One kind after the other: a dozen requests at once would each hold a listener on ctx.signal.
  const groups: KubeObject[][] = [];
  for (const noun of nouns) {
    const objects = await listIfInstalled(kube.client, noun, {
      ...(flags.allNamespaces === true ? {} : { namespace: flags.namespace }),
      labelSelector: flags.labelSelector,
      signal: ctx.signal,
    });
    groups.push(objects.filter((o) => matchesStatus(o, selector)));
  }
  if (flags.output !== 'table') {
    ctx.output.outWrite(formatOutput(asOutputDocument(groups.flat(), false), flags.output));
    return;
  }
  if (groups.every((g) => g.length === 0)) {
    ctx.output.err(`no objects found in ${where(flags)}`);
    return;
  }
  for (const line of statusTables(groups, tableOptions(flags))) ctx.output.out(line);
}
