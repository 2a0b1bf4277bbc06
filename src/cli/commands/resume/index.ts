// `tide resume <noun> [name...] | --all`: reconcile suspended objects again, at once
// (a reconcile is requested with the same write), and by default wait for the outcome.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import { CliError, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { awaitReconcile } from '../../resources/await-reconcile.js';
import { logLines } from '../../resources/log-lines.js';
import { addNounCommands } from '../../resources/noun-commands.js';
import type { Noun } from '../../resources/nouns.js';
import { describeRef } from '../../resources/object-ref.js';
import { reconcileToken, requestPatch } from '../../resources/reconcile-request.js';
import { isStatic, outcomeMessage } from '../../resources/status.js';
import { suspendPatch } from '../../resources/suspension.js';
import { refOf, resolveTargets } from '../../resources/targets.js';

interface ResumeFlags extends KubeFlags {
  readonly all?: boolean;
  readonly wait: boolean;
}

function booleanArg(flag: string) {
  return (value: string): boolean => {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    throw new InvalidArgumentError(`${flag} takes true or false, got '${value}'.`);
  };
}

export function newResumeCommand(ctx: CliContext): Command {
  return addNounCommands(
    new Command('resume').description('Resume the reconciliation of suspended Flux objects'),
    {
      describe: (noun) => `Resume the reconciliation of ${noun.kind.kind} objects`,
      leaf: (cmd, noun) => {
        addKubeFlags(cmd.argument('[names...]', 'the objects to resume'))
          .option('--all', 'resume every object of the namespace')
          .addOption(
            new Option(
              '--wait [bool]',
              'wait until the resumed objects are reconciled (--wait=false to return at once)',
            )
              .argParser(booleanArg('--wait'))
              .default(true),
          )
          .action(async (names: string[], flags: ResumeFlags) => {
            await resume(ctx, noun, names, flags);
          });
      },
    },
  );
}

async function resume(ctx: CliContext, noun: Noun, names: string[], flags: ResumeFlags): Promise<void> {
  const unsuspend = suspendPatch(noun, false);
  const log = logLines(ctx);
  const kube = await kubeFrom(ctx, flags);
  const targets = await resolveTargets(kube.client, noun, {
    verb: 'resume',
    names,
    ...(flags.all === undefined ? {} : { all: flags.all }),
    namespace: flags.namespace,
    signal: ctx.signal,
  });
  if (targets.length === 0) {
    ctx.output.err(`no ${noun.kind.kind} objects found in ${flags.namespace} namespace`);
    return;
  }
  const pending: { obj: KubeObject; token: string }[] = [];
  for (const obj of targets) {
    const ref = refOf(obj);
    log.action(`resuming ${describeRef(ref)}`);
    const token = reconcileToken();
    const patch = noun.reconcilable ? mergePatches(unsuspend, requestPatch(token)) : unsuspend;
    await kube.client.patch(noun.resource, ref, patch, { type: 'merge', signal: ctx.signal });
    log.success(`${ref.kind} resumed`);
    if (!isStatic(obj)) pending.push({ obj, token });
  }
  if (flags.wait) await waitAll(ctx, kube, noun, pending);
}

async function waitAll(
  ctx: CliContext,
  kube: Awaited<ReturnType<typeof kubeFrom>>,
  noun: Noun,
  pending: readonly { obj: KubeObject; token: string }[],
): Promise<void> {
  const log = logLines(ctx);
  const failures: string[] = [];
  for (const { obj, token } of pending) {
    const ref = refOf(obj);
    try {
      const ready = await awaitReconcile(ctx, kube, noun.resource, ref, { token });
      log.success(`${pending.length > 1 ? `${describeRef(ref)}: ` : ''}${outcomeMessage(ready)}`);
    } catch (err) {
      if (pending.length === 1 || !(err instanceof CliError)) throw err;
      ctx.output.err(`✗ ${describeRef(ref)}: ${err.message}`);
      failures.push(describeRef(ref));
    }
  }
  if (failures.length > 0) {
    throw new CliError(
      `${failures.length} of ${pending.length} resumed objects did not become ready: ${failures.join(', ')}`,
    );
  }
}

function mergePatches(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prev = out[key];
    out[key] =
      typeof prev === 'object' && prev !== null && typeof value === 'object' && value !== null
        ? mergePatches(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
