// `tide suspend <noun> [name...] | --all`: stop reconciling objects (spec.suspend, or
// the ArtifactGenerator annotation) until `tide resume`.
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { logLines } from '../../resources/log-lines.js';
import { addNounCommands } from '../../resources/noun-commands.js';
import type { Noun } from '../../resources/nouns.js';
import { describeRef } from '../../resources/object-ref.js';
import { isSuspended } from '../../resources/status.js';
import { suspendPatch } from '../../resources/suspension.js';
import { refOf, resolveTargets } from '../../resources/targets.js';

interface SuspendFlags extends KubeFlags {
  readonly all?: boolean;
}

export function newSuspendCommand(ctx: CliContext): Command {
  return addNounCommands(new Command('suspend').description('Suspend the reconciliation of Flux objects'), {
    describe: (noun) => `Suspend the reconciliation of ${noun.kind.kind} objects`,
    leaf: (cmd, noun) => {
      addKubeFlags(cmd.argument('[names...]', 'the objects to suspend'))
        .option('--all', 'suspend every object of the namespace')
        .action(async (names: string[], flags: SuspendFlags) => {
          await suspend(ctx, noun, names, flags);
        });
    },
  });
}

async function suspend(ctx: CliContext, noun: Noun, names: string[], flags: SuspendFlags): Promise<void> {
  const patch = suspendPatch(noun, true);
  const log = logLines(ctx);
  const { client } = await kubeFrom(ctx, flags);
  const targets = await resolveTargets(client, noun, {
    verb: 'suspend',
    names,
    ...(flags.all === undefined ? {} : { all: flags.all }),
    namespace: flags.namespace,
    signal: ctx.signal,
  });
  if (targets.length === 0) {
    ctx.output.err(`no ${noun.kind.kind} objects found in ${flags.namespace} namespace`);
    return;
  }
  for (const obj of targets) {
    const ref = refOf(obj);
    if (isSuspended(obj)) {
      log.success(`${describeRef(ref)} is already suspended`);
      continue;
    }
    log.action(`suspending ${describeRef(ref)}`);
    await client.patch(noun.resource, ref, patch, { type: 'merge', signal: ctx.signal });
    log.success(`${ref.kind} suspended`);
  }
}
