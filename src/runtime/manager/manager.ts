// The manager wires a process together: one client, shared informers, the
// controllers, metrics and health endpoints, and (optionally) leader election.
// Order on start: endpoints → leader election → informers synced → controllers.
// On shutdown (the run signal aborts, e.g. SIGTERM): controllers stop taking work,
// in-flight reconciles get the grace period, then the lease is released.
import os from 'node:os';
import type { KubeObject } from '../../api/object.js';
import { Informer, type InformerOptions } from '../cache/informer.js';
import { KubeClient } from '../client/client.js';
import type { ResourceType } from '../client/resource.js';
import type { KubeConfigSource } from '../client/kubeconfig.js';
import { transportFromKubeConfig } from '../client/transport.js';
import { Controller, type ControllerOptions } from '../controller/controller.js';
import { EventForwarder } from '../events/forwarder.js';
import { EventRecorder } from '../events/recorder.js';
import { leaderElectionId } from '../leader/id.js';
import { LeaderElector } from '../leader/lease.js';
import { createLogger, type Logger } from '../log/logger.js';
import { RuntimeMetrics } from '../metrics/metrics.js';
import { startEndpoints, type Endpoints } from '../metrics/server.js';
import type { ManagerOptions } from './options.js';

export interface ManagerInit {
  /** Controller name, e.g. `source-controller`: lease name, user agent, field manager prefix. */
  readonly name: string;
  /** Tide's loader (kubeconfig.ts) or anything shaped like client-node's KubeConfig. */
  readonly kubeConfig: KubeConfigSource;
  readonly options: ManagerOptions;
  readonly logger?: Logger;
}

export type ManagerExit =
  { readonly reason: 'shutdown' } | { readonly reason: 'leadership-lost'; readonly message: string };

type InformerSpec = Pick<InformerOptions<KubeObject>, 'metadataOnly' | 'labelSelector' | 'fieldSelector'> & {
  /** Apply the manager's shard selector (--watch-label-selector); true for the kinds it reconciles. */
  readonly sharded?: boolean;
};

export class Manager {
  readonly name: string;
  readonly client: KubeClient;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly options: ManagerOptions;
  /** Kubernetes Events, also posted to --events-addr when set. */
  readonly events: EventRecorder;
  readonly #forwarder: EventForwarder | undefined;
  readonly #eventsClient: KubeClient;
  /** Recorders by reporting controller name (the manager's own is `events`). */
  readonly #recorders = new Map<string, EventRecorder>();
  readonly #informers = new Map<string, Informer>();
  readonly #controllers: Controller[] = [];
  readonly #runnables: { name: string; run: (signal: AbortSignal) => Promise<void> }[] = [];
  #elector: LeaderElector | undefined;
  #started = false;
  #synced = false;
  #endpoints: Endpoints | undefined;

  private constructor(init: ManagerInit, client: KubeClient, eventsClient: KubeClient) {
    this.name = init.name;
    this.options = init.options;
    this.client = client;
    this.metrics = new RuntimeMetrics();
    this.log = (init.logger ?? createLogger({ level: init.options.logLevel })).with({ manager: init.name });
    const eventsAddr = init.options.eventsAddr;
    this.#forwarder =
      eventsAddr === undefined || eventsAddr === ''
        ? undefined
        : new EventForwarder({ address: eventsAddr, logger: this.log });
    this.#eventsClient = eventsClient;
    this.events = this.eventsFor(init.name);
  }

  /**
   * The recorder that reports as `controller` (Events' reportingController, the forwarded
   * events' reporter): each role keeps Flux's name (`source-controller`,
   * `kustomize-controller`) when several share this process.
   */
  eventsFor(controller: string): EventRecorder {
    let recorder = this.#recorders.get(controller);
    if (recorder === undefined) {
      recorder = new EventRecorder({
        client: this.#eventsClient,
        reportingController: controller,
        forwarder: this.#forwarder,
        logger: this.log,
      });
      this.#recorders.set(controller, recorder);
    }
    return recorder;
  }

  static async create(init: ManagerInit): Promise<Manager> {
    const transport = await transportFromKubeConfig(init.kubeConfig);
    const limits = {
      qps: init.options.kubeApiQps,
      burst: init.options.kubeApiBurst,
      userAgent: `tide/${init.name}`,
    };
    // Events have their own rate limit (as client-go's event broadcaster): a burst of events
    // must not slow reconciles down, nor reconciles delay events.
    return new Manager(init, new KubeClient(transport, limits), new KubeClient(transport, limits));
  }

  /** The namespace informers watch: all (undefined) or the runtime namespace. */
  get watchNamespace(): string | undefined {
    return this.options.watchAllNamespaces ? undefined : this.options.runtimeNamespace;
  }

  /** A shared informer: one per resource and view, whoever asks. */
  informer<T extends KubeObject>(resource: ResourceType, spec: InformerSpec = {}): Informer<T> {
    const labelSelector = [
      spec.sharded === true ? this.options.watchLabelSelector : undefined,
      spec.labelSelector,
    ]
      .filter((s): s is string => s !== undefined && s !== '')
      .join(',');
    const key = JSON.stringify([
      resource.group,
      resource.version,
      resource.plural,
      spec.metadataOnly === true,
      labelSelector,
      spec.fieldSelector ?? '',
    ]);
    let informer = this.#informers.get(key);
    if (informer === undefined) {
      if (this.#started) throw new Error(`informer for ${resource.plural} requested after start`);
      informer = new Informer<KubeObject>({
        client: this.client,
        resource,
        namespace: this.watchNamespace,
        labelSelector: labelSelector === '' ? undefined : labelSelector,
        fieldSelector: spec.fieldSelector,
        metadataOnly: spec.metadataOnly === true,
        logger: this.log,
      });
      this.#informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  /** Adds a controller with the manager's concurrency, backoff, jitter, metrics and logger. */
  controller(opts: Pick<ControllerOptions, 'name' | 'reconciler'> & Partial<ControllerOptions>): Controller {
    const controller = new Controller({
      concurrency: this.options.concurrent,
      backoff: { baseMs: this.options.minRetryDelayMs, maxMs: this.options.maxRetryDelayMs },
      jitterPercent: this.options.intervalJitterPercentage,
      metrics: this.metrics,
      logger: this.log,
      ...opts,
    });
    this.#controllers.push(controller);
    return controller;
  }

  /**
   * A long-lived part started with the controllers (in the leader only) and stopped
   * with them, e.g. the artifact file server.
   */
  addRunnable(name: string, run: (signal: AbortSignal) => Promise<void>): void {
    this.#runnables.push({ name, run });
  }

  get isLeader(): boolean {
    return this.#elector?.isLeader() ?? true;
  }

  get endpoints(): Endpoints | undefined {
    return this.#endpoints;
  }

  /** Runs until `signal` aborts (returns 'shutdown') or leadership is lost. */
  async run(signal: AbortSignal): Promise<ManagerExit> {
    this.#endpoints = await startEndpoints({
      metrics: this.metrics,
      metricsAddr: this.options.metricsAddr,
      healthAddr: this.options.healthAddr,
      healthChecks: { ping: () => true },
      readyChecks: {
        caches: () => !this.isLeader || this.#synced || 'informer caches not synced yet',
      },
    });
    this.log.info('manager starting', {
      metrics: `${this.#endpoints.metricsUrl}/metrics`,
      health: this.#endpoints.healthUrl,
      leaderElection: this.options.leaderElection.enabled,
      shard: this.options.watchLabelSelector,
    });
    try {
      if (!this.options.leaderElection.enabled) {
        await this.#work(signal);
        return { reason: 'shutdown' };
      }
      const le = this.options.leaderElection;
      const leaseName = leaderElectionId(this.name, this.options.watchLabelSelector);
      this.#elector = new LeaderElector({
        client: this.client,
        namespace: this.options.runtimeNamespace,
        name: leaseName,
        identity: `${os.hostname()}_${process.pid}_${Math.random().toString(16).slice(2, 10)}`,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        releaseOnCancel: le.releaseOnCancel,
        logger: this.log,
        onStartedLeading: async (leading) => {
          this.metrics.leaderElectionStatus.set({ name: leaseName }, 1);
          try {
            await this.#work(leading);
          } finally {
            this.metrics.leaderElectionStatus.set({ name: leaseName }, 0);
          }
        },
      });
      this.metrics.leaderElectionStatus.set({ name: leaseName }, 0);
      const outcome = await this.#elector.run(signal);
      return outcome.reason === 'lost'
        ? { reason: 'leadership-lost', message: outcome.message }
        : { reason: 'shutdown' };
    } finally {
      for (const recorder of this.#recorders.values()) await recorder.flush().catch(() => undefined);
      await this.#forwarder?.close().catch(() => undefined);
      await this.#endpoints.close();
      this.metrics.close();
      this.log.info('manager stopped');
    }
  }

  async #work(signal: AbortSignal): Promise<void> {
    this.#started = true;
    // Informers stop only after the controllers have drained, so in-flight reconciles
    // keep reading a live cache during the grace period.
    const informerStop = new AbortController();
    const informerRuns = [...this.#informers.values()].map((i) => i.run(informerStop.signal));
    try {
      await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
      this.#synced = true;
      this.log.info('caches synced, starting controllers', {
        controllers: this.#controllers.map((c) => c.name),
      });
      await Promise.all([
        ...this.#runnables.map(async (r) => {
          try {
            await r.run(signal);
          } catch (err) {
            this.log.error('runnable failed', { runnable: r.name, error: err });
            throw err;
          }
        }),
        ...this.#controllers.map((c) => c.run(signal, this.options.gracefulShutdownTimeoutMs)),
      ]);
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      informerStop.abort();
      await Promise.all(informerRuns);
    }
  }
}
