// One stage of an apply: every object is dry-run first and nothing is written
// when any dry run fails; then each is server-side applied (force: we take over
// fields others changed), after a managed-fields cleanup for Override objects,
// or recreated when an immutable field changed and force allows it.
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import { isNotFound } from '../runtime/client/errors.js';
import type { Logger } from '../runtime/log/logger.js';
import type { ApplyAction, ChangeSetEntry } from './change-set.js';
import { deleteInBackground } from './delete.js';
import { mapLimited, type Outcome } from './concurrency.js';
import { ApplyError, reasonOf, toApplyError } from './errors.js';
import { secretMasker } from './mask.js';
import { combineErrors, type PlannedObject } from './plan.js';
import { cleanupPatch, isExcluded, isForceEnabled, ssaPolicy, type FieldManagerMatch } from './policies.js';
import type { ApplyMemo } from './memo.js';
import { pollUntil } from './wait.js';

export interface StageContext {
  readonly client: KubeClient;
  readonly fieldManager: string;
  readonly concurrency: number;
  readonly takeover: readonly FieldManagerMatch[];
  readonly logger: Logger;
  /** spec.force: recreate objects whose immutable fields changed. */
  readonly force: boolean;
  readonly signal: AbortSignal;
  /** Bound on waiting for a recreated object's old self to go away. */
  readonly timeoutMs: number;
  /** What earlier applies of this process left, to skip no-op writes. */
  readonly memo?: ApplyMemo | undefined;
  /** The cluster and identity `memo` entries are about. */
  readonly memoScope: string;
}

/** What the dry run decided for one object. */
type Step =
  | { readonly kind: 'skip' }
  | { readonly kind: 'apply'; readonly dry: KubeObject }
  | { readonly kind: 'unchanged'; readonly dry: KubeObject }
  | { readonly kind: 'recreate'; readonly live: KubeObject };

export interface StageResult {
  readonly entries: ChangeSetEntry[];
  /** The server's answer for each object written (applied or recreated), by id. */
  readonly applied: Map<string, KubeObject>;
}

function entryOf(p: PlannedObject, action: ApplyAction): ChangeSetEntry {
  return { id: p.id, version: p.version, subject: p.subject, action };
}

export async function applyStage(items: readonly PlannedObject[], ctx: StageContext): Promise<StageResult> {
  const steps = await mapLimited(items, (p) => decide(p, ctx), { limit: ctx.concurrency });
  const errors = errorsOf(steps, items, 'dry-run failed');
  if (errors.length > 0) throw combineErrors(errors);
  const decided = steps.map((s) => (s?.ok === true ? s.value : ({ kind: 'skip' } as const)));

  const applied = new Map<string, KubeObject>();
  const written = await mapLimited(
    items,
    async (p, i): Promise<ApplyAction> => {
      const step = decided[i] ?? { kind: 'skip' };
      if (step.kind === 'skip') return 'skipped';
      if (step.kind === 'unchanged') {
        applied.set(p.id, step.dry);
        return 'unchanged';
      }
      const { action, result } =
        step.kind === 'apply' ? await applyOne(p, step.dry, ctx) : await recreate(p, step.live, ctx);
      ctx.memo?.remember(ctx.memoScope, p.id, result);
      applied.set(p.id, result);
      ctx.logger.debug(`${p.subject} ${action}`);
      return action;
    },
    { limit: ctx.concurrency, stopOnError: true },
  );
  const writeErrors = errorsOf(written, items, 'apply failed');
  if (writeErrors.length > 0) throw combineErrors(writeErrors);
  const entries = items.map((p, i) => {
    const outcome = written[i];
    return entryOf(p, outcome?.ok === true ? outcome.value : 'skipped');
  });
  return { entries, applied };
}

function errorsOf(
  outcomes: readonly (Outcome<unknown> | undefined)[],
  items: readonly PlannedObject[],
  action: string,
): ApplyError[] {
  return outcomes.flatMap((o, i) => {
    const p = items[i];
    if (o === undefined || o.ok || p === undefined) return [];
    return [toApplyError(o.error, p.subject, action, p.mask)];
  });
}

/** Dry-runs one object and decides what to do; throws ApplyError when it cannot be applied. */
async function decide(p: PlannedObject, ctx: StageContext): Promise<Step> {
  if (isExcluded(p.obj.metadata)) return { kind: 'skip' };
  const res = p.res;
  if (res === undefined) throw new ApplyError('NotFound', p.subject, `${p.subject}: kind not served`);
  const policy = ssaPolicy(p.obj.metadata);
  let dry: KubeObject;
  try {
    dry = await ctx.client.apply(res, p.obj, {
      fieldManager: ctx.fieldManager,
      force: true,
      dryRun: true,
      signal: ctx.signal,
    });
  } catch (err) {
    return decideAfterFailedDryRun(p, err, ctx);
  }
  const exists = dry.metadata.resourceVersion !== undefined && dry.metadata.resourceVersion !== '';
  // The dry-run result carries the live object's labels and annotations (merged
  // with ours), so a policy set on the live object shows here without a GET.
  if (isExcluded(dry.metadata)) return { kind: 'skip' };
  if (policy === 'IfNotPresent' && exists) return { kind: 'skip' };
  if (exists && ctx.memo?.unchanged(ctx.memoScope, p.id, dry) === true) return { kind: 'unchanged', dry };
  return { kind: 'apply', dry };
}

async function decideAfterFailedDryRun(p: PlannedObject, err: unknown, ctx: StageContext): Promise<Step> {
  // A server that cannot be reached will not answer the GET either.
  if (reasonOf(err) === 'Unavailable') throw toApplyError(err, p.subject, 'dry-run failed', p.mask);
  const live = await getLive(p, ctx);
  const mask = secretMasker(p.obj, live);
  const failure = toApplyError(err, p.subject, 'dry-run failed', mask);
  if (live !== undefined) {
    if (isExcluded(live.metadata)) return { kind: 'skip' };
    if (ssaPolicy(p.obj.metadata) === 'IfNotPresent') return { kind: 'skip' };
    const force = ctx.force || isForceEnabled(p.obj.metadata) || isForceEnabled(live.metadata);
    if (failure.reason === 'Immutable' && force) return { kind: 'recreate', live };
  }
  throw failure;
}

async function getLive(p: PlannedObject, ctx: StageContext): Promise<KubeObject | undefined> {
  if (p.res === undefined) return undefined;
  try {
    return await ctx.client.get(p.res, p.meta.name, p.meta.namespace, ctx.signal);
  } catch (err) {
    // The dry run's error is the one to report; a failed GET only means no live-side policy.
    if (!isNotFound(err)) ctx.logger.debug(`${p.subject}: reading the live object failed`, { error: err });
    return undefined;
  }
}

async function applyOne(
  p: PlannedObject,
  dry: KubeObject,
  ctx: StageContext,
): Promise<{ action: ApplyAction; result: KubeObject }> {
  const res = p.res;
  if (res === undefined) throw new ApplyError('NotFound', p.subject, `${p.subject}: kind not served`);
  const liveVersion = dry.metadata.resourceVersion ?? '';
  try {
    const merge = ssaPolicy(p.obj.metadata) === 'Merge' || ssaPolicy(dry.metadata) === 'Merge';
    const patch =
      liveVersion === '' || merge
        ? undefined
        : cleanupPatch(dry.metadata, p.obj.metadata, ctx.fieldManager, ctx.takeover);
    if (patch !== undefined) {
      await ctx.client.patch(res, { name: p.meta.name, namespace: p.meta.namespace }, patch, {
        type: 'json',
        signal: ctx.signal,
      });
    }
    const result = await ctx.client.apply(res, p.obj, {
      fieldManager: ctx.fieldManager,
      force: true,
      signal: ctx.signal,
    });
    const action: ApplyAction =
      liveVersion === ''
        ? 'created'
        : result.metadata.resourceVersion === liveVersion
          ? 'unchanged'
          : 'configured';
    return { action, result };
  } catch (err) {
    throw toApplyError(err, p.subject, 'apply failed', p.mask);
  }
}

/** Deletes the live object, waits until that uid is gone and applies the new one. */
async function recreate(
  p: PlannedObject,
  live: KubeObject,
  ctx: StageContext,
): Promise<{ action: ApplyAction; result: KubeObject }> {
  const res = p.res;
  if (res === undefined) throw new ApplyError('NotFound', p.subject, `${p.subject}: kind not served`);
  const mask = secretMasker(p.obj, live);
  const uid = live.metadata.uid;
  ctx.logger.info(`${p.subject}: immutable field changed, recreating the object`);
  try {
    await deleteInBackground(ctx.client, res, p.meta, ctx.signal);
  } catch (err) {
    if (!isNotFound(err)) throw toApplyError(err, p.subject, 'delete for recreation failed', mask);
  }
  const ref = { res, name: p.meta.name, namespace: p.meta.namespace, subject: p.subject };
  const survivors = await pollUntil(
    ctx.client,
    [ref],
    (obj) => (obj === undefined || obj.metadata.uid !== uid ? undefined : 'still terminating'),
    { timeoutMs: ctx.timeoutMs, signal: ctx.signal },
  ).catch((err: unknown) => {
    throw toApplyError(err, p.subject, 'waiting for deletion failed', mask);
  });
  if (survivors.length > 0) {
    throw new ApplyError(
      'Failed',
      p.subject,
      `${p.subject}: deleted to recreate it (immutable field changed) but still present after ` +
        `${Math.round(ctx.timeoutMs / 1000)}s (finalizers?)`,
    );
  }
  try {
    const result = await ctx.client.apply(res, p.obj, {
      fieldManager: ctx.fieldManager,
      force: true,
      signal: ctx.signal,
    });
    return { action: 'created', result };
  } catch (err) {
    throw toApplyError(err, p.subject, 'apply after recreation failed', p.mask);
  }
}
