// The apply engine of the Kustomization (and Helm) controllers: server-side apply
// of a rendered set in stages, garbage collection of what a new inventory dropped,
// and waiting for deleted objects to go.
import type { ResourceRef } from '../api/meta/inventory.js';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import type { DiscoveryCache } from '../runtime/client/discovery.js';
import { silentLogger, type Logger } from '../runtime/log/logger.js';
import type { ChangeSetEntry } from './change-set.js';
import { ApplyError, toApplyError } from './errors.js';
import { noMask } from './mask.js';
import { noMatchMessage, planApply, type ApplyPlan, type PlannedObject } from './plan.js';
import { takeoverManagers, type FieldManagerMatch } from './policies.js';
import { pruneRefs, resolveRefs, type PruneOptions, type PruneResult } from './prune.js';
import { findResource } from './resolve.js';
import type { ApplyMemo } from './memo.js';
import { applyStage, type StageContext } from './stage-apply.js';
import { isCRD, Stage } from './stages.js';
import { notReadyReason, pollUntil, sleep, POLL_INTERVAL_MS, type LiveRef } from './wait.js';

export type { ApplyAction, ChangeSetEntry } from './change-set.js';
export { changeSetSummary } from './change-set.js';
export { ApplyError, type ApplyErrorReason } from './errors.js';
export type { PruneFailure, PruneOptions, PruneResult } from './prune.js';

export interface ApplyEngineOptions {
  /** Possibly impersonating a tenant, possibly a remote cluster. */
  readonly client: KubeClient;
  /** Discovery of the same client's cluster. */
  readonly discovery: DiscoveryCache;
  /** The field manager every write is made under ('kustomize-controller'). */
  readonly fieldManager: string;
  /** Objects applied at once inside a stage (Flux --concurrent-ssa); default 4. */
  readonly concurrency?: number;
  /** Flux --custom-apply-stage-kinds: `Kind` or `group/Kind`. */
  readonly customStageKinds?: readonly string[];
  /** Flux --override-manager: more managers whose fields an Override apply takes over. */
  readonly overrideManagers?: readonly string[];
  /** Shared across reconciles: lets an unchanged object cost one dry run (see memo.ts). */
  readonly memo?: ApplyMemo;
  readonly logger?: Logger;
}

export interface ApplySetOptions {
  /** spec.force: recreate objects whose immutable fields changed. */
  readonly force: boolean;
  readonly signal: AbortSignal;
  /** Bound on waiting for CRDs Established and Namespaces Active between stages (and for recreations). */
  readonly stageTimeoutMs: number;
}

/** waitForTermination ran out of time; `survivors` names the objects still present. */
export class TerminationTimeoutError extends Error {
  override readonly name = 'TerminationTimeoutError';
  constructor(
    readonly survivors: readonly string[],
    timeoutMs: number,
  ) {
    super(
      `timed out after ${Math.round(timeoutMs / 1000)}s waiting for termination of ${survivors.join(', ')}`,
    );
  }
}

const DEFAULT_CONCURRENCY = 4;

export class ApplyEngine {
  readonly #client: KubeClient;
  readonly #discovery: DiscoveryCache;
  readonly #fieldManager: string;
  readonly #concurrency: number;
  readonly #customStageKinds: readonly string[];
  readonly #takeover: readonly FieldManagerMatch[];
  readonly #logger: Logger;
  readonly #memo: ApplyMemo | undefined;
  /** The server's answer for each object the last apply() wrote or found unchanged, by id. */
  readonly #lastApplied = new Map<string, KubeObject>();

  constructor(opts: ApplyEngineOptions) {
    this.#client = opts.client;
    this.#discovery = opts.discovery;
    this.#fieldManager = opts.fieldManager;
    this.#concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.#customStageKinds = opts.customStageKinds ?? [];
    this.#takeover = takeoverManagers(opts.fieldManager, opts.overrideManagers);
    this.#logger = opts.logger ?? silentLogger;
    this.#memo = opts.memo;
  }

  /**
   * Applies `objects` stage by stage and returns what happened to each, in apply
   * order. Throws ApplyError; a stage whose dry run fails for any object writes
   * nothing. Deletes nothing, except an object recreated because force allowed it.
   */
  async apply(objects: readonly KubeObject[], opts: ApplySetOptions): Promise<ChangeSetEntry[]> {
    this.#lastApplied.clear();
    try {
      const plan = await planApply(objects, this.#discovery, this.#customStageKinds, opts.signal);
      return await this.#applyStages(plan, opts);
    } catch (err) {
      // What is not already an object's ApplyError failed around the objects:
      // discovery, or the wait between stages was canceled.
      if (opts.signal.aborted && !(err instanceof ApplyError)) {
        throw new ApplyError('Failed', 'apply', `apply canceled: ${String(opts.signal.reason)}`);
      }
      throw toApplyError(err, 'API discovery', 'failed', noMask);
    }
  }

  async #applyStages(plan: ApplyPlan, opts: ApplySetOptions): Promise<ChangeSetEntry[]> {
    const ctx: StageContext = {
      client: this.#client,
      fieldManager: this.#fieldManager,
      concurrency: this.#concurrency,
      takeover: this.#takeover,
      logger: this.#logger,
      force: opts.force,
      signal: opts.signal,
      timeoutMs: opts.stageTimeoutMs,
      memo: this.#memo,
      memoScope: `${this.#client.server.href}|${this.#client.impersonatedUser ?? ''}`,
    };
    const entries: ChangeSetEntry[] = [];
    for (const { stage, items } of plan.stages) {
      opts.signal.throwIfAborted();
      await this.#resolveDefinedKinds(items, opts);
      const result = await applyStage(items, ctx);
      for (const [id, live] of result.applied) this.#lastApplied.set(id, live);
      entries.push(...result.entries);
      if (stage === Stage.ClusterDefinitions || stage === Stage.Classes) {
        await this.#waitReady(items, result.applied, opts);
      }
      if (items.some((p) => isCRD(p.meta))) await this.#discovery.refresh(opts.signal);
    }
    return entries;
  }

  /**
   * The live objects as the last apply() left them (its write answers, or the dry run of an
   * unchanged object), by object id: a first health reading that costs no request.
   */
  get applied(): ReadonlyMap<string, KubeObject> {
    return this.#lastApplied;
  }

  /** Deletes the stale objects this owner still owns; see PruneResult. */
  prune(stale: readonly ResourceRef[], opts: PruneOptions): Promise<PruneResult> {
    return pruneRefs(
      {
        client: this.#client,
        discovery: this.#discovery,
        concurrency: this.#concurrency,
        customStageKinds: this.#customStageKinds,
        logger: this.#logger,
      },
      stale,
      opts,
    );
  }

  /** Deletion policy WaitForTermination: resolves when every ref is gone, throws on timeout naming the survivors. */
  async waitForTermination(
    refs: readonly ResourceRef[],
    opts: { timeoutMs: number; signal: AbortSignal },
  ): Promise<void> {
    const { resolved } = await resolveRefs(this.#discovery, refs, opts.signal);
    const live: LiveRef[] = resolved.flatMap((r) =>
      r.res === undefined
        ? []
        : [{ res: r.res, name: r.meta.name, namespace: r.meta.namespace, subject: r.subject }],
    );
    const survivors = await pollUntil(
      this.#client,
      live,
      (obj) => (obj === undefined ? undefined : 'present'),
      opts,
    );
    if (survivors.length > 0) {
      throw new TerminationTimeoutError(
        survivors.map((s) => s.ref.subject),
        opts.timeoutMs,
      );
    }
  }

  /** Kinds a CRD of this set defines are served once it is Established, give or take discovery's lag. */
  async #resolveDefinedKinds(items: readonly PlannedObject[], opts: ApplySetOptions): Promise<void> {
    const deadline = Date.now() + opts.stageTimeoutMs;
    for (;;) {
      const missing = items.filter((p) => p.res === undefined);
      if (missing.length === 0) return;
      const snapshot = await this.#discovery.refresh(opts.signal);
      for (const p of missing) p.res = findResource(snapshot, p.kindRef);
      const still = missing.find((p) => p.res === undefined);
      if (still === undefined) return;
      if (Date.now() >= deadline) {
        throw new ApplyError(
          'NotFound',
          still.subject,
          noMatchMessage(still.subject, still.kindRef, snapshot),
        );
      }
      await sleep(POLL_INTERVAL_MS, opts.signal);
    }
  }

  async #waitReady(
    items: readonly PlannedObject[],
    applied: ReadonlyMap<string, KubeObject>,
    opts: ApplySetOptions,
  ): Promise<void> {
    const pending: LiveRef[] = items.flatMap((p) => {
      const result = applied.get(p.id);
      if (result === undefined || p.res === undefined || notReadyReason(result) === undefined) return [];
      return [{ res: p.res, name: p.meta.name, namespace: p.meta.namespace, subject: p.subject }];
    });
    if (pending.length === 0) return;
    let survivors: Awaited<ReturnType<typeof pollUntil>>;
    try {
      survivors = await pollUntil(
        this.#client,
        pending,
        (live) => (live === undefined ? 'not found' : notReadyReason(live)),
        { timeoutMs: opts.stageTimeoutMs, signal: opts.signal },
      );
    } catch (err) {
      throw toApplyError(err, pending[0]?.subject ?? 'stage', 'waiting for readiness failed', noMask);
    }
    const first = survivors[0];
    if (first === undefined) return;
    const seconds = Math.round(opts.stageTimeoutMs / 1000);
    const lines = survivors.map((s) => `${s.ref.subject}: ${s.reason} after ${seconds}s`);
    throw new ApplyError('Failed', first.ref.subject, lines.join('\n'));
  }
}
