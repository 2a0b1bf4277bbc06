// `tide reconcile <noun> <name>`: request a reconcile now (reconcile.fluxcd.io/requestedAt),
// wait until the controller has handled it and report the outcome; --with-source
// reconciles the source first so a new commit is applied at once.
import { Command } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { kubeFrom, addKubeFlags, type Kube, type KubeFlags } from '../../kube/flags.js';
import { awaitReconcile } from '../../resources/await-reconcile.js';
import { logLines } from '../../resources/log-lines.js';
import { getObject } from '../../resources/lookup.js';
import { addNounCommands } from '../../resources/noun-commands.js';
import { nounForKind, type Noun } from '../../resources/nouns.js';
import { describeRef } from '../../resources/object-ref.js';
import { requestReconcile } from '../../resources/reconcile-request.js';
import { isSuspended, outcomeMessage, sourceRefOf } from '../../resources/status.js';
import { refOf } from '../../resources/targets.js';

interface ReconcileFlags extends KubeFlags {
  readonly withSource?: boolean;
}

// Kinds whose source --with-source reconciles first.
const WITH_SOURCE = new Set(['Kustomization', 'HelmRelease', 'HelmChart']);

export function newReconcileCommand(ctx: CliContext): Command {
  return addNounCommands(
    new Command('reconcile').description('Reconcile Flux objects now and report the outcome'),
    {
      describe: (noun) => `Reconcile a ${noun.kind.kind} now and wait for the outcome`,
      leaf: (cmd, noun) => {
        addKubeFlags(cmd.argument('<name>', 'the object to reconcile'));
        if (WITH_SOURCE.has(noun.kind.kind)) cmd.option('--with-source', 'reconcile its source first');
        cmd.action(async (name: string, flags: ReconcileFlags) => {
          await reconcile(ctx, noun, name, flags);
        });
      },
    },
  );
}

function resumeHint(noun: Noun, obj: KubeObject): string {
  return `tide resume ${noun.words.join(' ')} ${obj.metadata.name} -n ${obj.metadata.namespace ?? ''}`;
}

async function reconcile(ctx: CliContext, noun: Noun, name: string, flags: ReconcileFlags): Promise<void> {
  if (!noun.reconcilable) {
    throw new CliError(
      `${noun.kind.kind} objects have no controller reconciling them (they have no status); there is nothing to reconcile.`,
      ExitCode.usage,
    );
  }
  const kube = await kubeFrom(ctx, flags);
  const obj = await getObject(kube.client, noun, name, flags.namespace, ctx.signal);
  checkNotSuspended(noun, obj);
  if (flags.withSource === true) {
    const source = sourceRefOf(obj);
    const sourceNoun = source === undefined ? undefined : nounForKind(source.kind);
    if (source === undefined || sourceNoun === undefined) {
      throw new CliError(`${describeRef(refOf(obj))} has no source to reconcile.`);
    }
    const sourceObj = await getObject(kube.client, sourceNoun, source.name, source.namespace, ctx.signal);
    checkNotSuspended(sourceNoun, sourceObj);
    await reconcileOne(ctx, kube, sourceNoun, sourceObj);
  }
  await reconcileOne(ctx, kube, noun, obj);
}

function checkNotSuspended(noun: Noun, obj: KubeObject): void {
  if (isSuspended(obj)) {
    throw new CliError(
      `${describeRef(refOf(obj))} is suspended, so its controller will not reconcile it; resume it first: ${resumeHint(noun, obj)}`,
    );
  }
}

async function reconcileOne(ctx: CliContext, kube: Kube, noun: Noun, obj: KubeObject): Promise<void> {
  const log = logLines(ctx);
  const ref = refOf(obj);
  log.action(`annotating ${describeRef(ref)}`);
  const token = await requestReconcile(kube.client, noun.resource, ref, { signal: ctx.signal });
  log.success(`${ref.kind} annotated`);
  const ready = await awaitReconcile(ctx, kube, noun.resource, ref, { token });
  log.success(outcomeMessage(ready));
}
