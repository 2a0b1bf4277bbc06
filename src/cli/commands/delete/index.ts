// `tide delete <noun> <name>`: asks first (unless -s), deletes, and waits until the
// object is gone, i.e. until its controller has run the finalizer (prune, GC).
import { Command } from 'commander';
import { isNotFound } from '../../../runtime/client/errors.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { logLines } from '../../resources/log-lines.js';
import { getObject } from '../../resources/lookup.js';
import { addNounCommands } from '../../resources/noun-commands.js';
import type { Noun } from '../../resources/nouns.js';
import { describeRef } from '../../resources/object-ref.js';
import { refOf } from '../../resources/targets.js';
import { waitDeleted } from '../../resources/wait.js';
import { withProgress } from '../../ui/progress.js';

interface DeleteFlags extends KubeFlags {
  readonly silent?: boolean;
}

export function newDeleteCommand(ctx: CliContext): Command {
  return addNounCommands(
    new Command('delete').description('Delete Flux objects and wait until they are gone'),
    {
      describe: (noun) => `Delete a ${noun.kind.kind} and wait until its finalizer has run`,
      leaf: (cmd, noun) => {
        addKubeFlags(cmd.argument('<name>', 'the object to delete'))
          .option('-s, --silent', 'delete without asking for confirmation')
          .action(async (name: string, flags: DeleteFlags) => {
            await deleteObject(ctx, noun, name, flags);
          });
      },
    },
  );
}

function consequence(obj: { kind: string; spec?: unknown }): string {
  const spec = (obj.spec ?? {}) as { prune?: boolean };
  return obj.kind === 'Kustomization' && spec.prune === true
    ? ' Its prune is enabled: the objects it applied are deleted too.'
    : '';
}

async function deleteObject(ctx: CliContext, noun: Noun, name: string, flags: DeleteFlags): Promise<void> {
  const log = logLines(ctx);
  const kube = await kubeFrom(ctx, flags);
  const obj = await getObject(kube.client, noun, name, flags.namespace, ctx.signal);
  const ref = refOf(obj);
  if (flags.silent !== true) {
    const answer = await ctx.confirm(`Delete ${describeRef(ref)}?${consequence(obj)}`);
    if (answer === undefined) {
      throw new CliError(
        `refusing to delete ${describeRef(ref)} without confirmation: stdin is not a terminal. Pass --silent (-s) to delete without asking.`,
        ExitCode.usage,
      );
    }
    if (!answer) throw new CliError(`${describeRef(ref)} was not deleted (not confirmed).`);
  }
  log.action(`deleting ${describeRef(ref)}`);
  try {
    await kube.client.delete(noun.resource, ref, { signal: ctx.signal });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await withProgress(
    ctx,
    `waiting for ${describeRef(ref)} to be finalized`,
    () => waitDeleted(kube.client, noun.resource, ref, { timeoutMs: kube.timeoutMs, signal: ctx.signal }),
    { done: (ms) => `${ref.kind} finalized (${Math.round(ms / 1000)}s)` },
  );
  log.success(`${ref.kind} deleted`);
}
