// A pool of tide-render helper processes (renderer/): started once, kept
// running, fed JSON lines. Requests go to the least busy process; a process
// that dies, hangs past a deadline or grows past its memory cap is replaced,
// and only the requests it held fail.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { silentLogger, type Logger } from '../runtime/log/logger.js';
import { sanitizeText, truncateChars } from '../runtime/log/sanitize.js';
import { ensureRendererBinary } from './binary.js';
import type {
  HelmRenderParams,
  HelmRenderResult,
  KustomizeBuildParams,
  LookupFn,
  LookupRequest,
  SopsFormat,
  SopsKeys,
} from './types.js';

export type RenderErrorCode =
  | 'InvalidRequest'
  | 'BuildFailed'
  | 'SecurityConstraint'
  | 'DecryptionFailed'
  | 'Timeout'
  | 'Panic'
  | 'Internal';

/** The engine refused or failed to render this input. The message names what and where. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    readonly code: RenderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The helper process failed (crashed, was killed, could not start): retry later. */
export class RendererUnavailableError extends Error {
  override readonly name = 'RendererUnavailableError';
}

export interface RendererOptions {
  /** The tide-render binary; built from renderer/ into cacheDir when absent. */
  readonly binary?: string;
  /** Needed when binary is absent. */
  readonly cacheDir?: string;
  /** Helper processes; default: the cores, at most 4. */
  readonly processes?: number;
  /** Soft memory limit per helper (GOMEMLIMIT), MiB. */
  readonly memoryLimitMiB?: number;
  /** A helper whose resident memory passes this is killed, MiB. */
  readonly hardMemoryLimitMiB?: number;
  /** Per-request deadline unless the call gives one. */
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
  /** Receives build progress when the binary is built. */
  readonly onBuildProgress?: (line: string) => void;
  /** How long past a request's deadline a silent helper is presumed hung and replaced, ms. */
  readonly hangGraceMs?: number;
  /** Extra environment for the helpers (tests). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly op: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly onCall?: (op: string, params: unknown) => Promise<unknown>;
  readonly timer: NodeJS.Timeout;
}

interface WireMessage {
  ready?: boolean;
  engines?: Record<string, string>;
  id?: number;
  result?: unknown;
  error?: { code: RenderErrorCode; message: string };
  call?: number;
  request?: number;
  op?: string;
  params?: unknown;
}

const memoryCheckMs = 500;

type HelperOptions = Required<
  Pick<RendererOptions, 'memoryLimitMiB' | 'hardMemoryLimitMiB' | 'hangGraceMs'>
> & {
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string>>;
};

class HelperProcess {
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<Record<string, string>>;
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private exited = false;
  private stopping = false;
  private memoryTimer: NodeJS.Timeout | undefined;
  private stderrTail: string[] = [];

  constructor(
    binary: string,
    private readonly opts: HelperOptions,
    private readonly onExit: (p: HelperProcess) => void,
  ) {
    this.child = spawn(binary, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GOMEMLIMIT: `${opts.memoryLimitMiB}MiB`,
        // The engines must find no credentials or key material in the environment.
        HOME: os.tmpdir(),
        ...opts.env,
      },
    });
    let markReady: (e: Record<string, string>) => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Avoid an unhandled rejection when nobody waits for readiness.
    this.ready.catch(() => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let msg: WireMessage;
      try {
        msg = JSON.parse(line) as WireMessage;
      } catch {
        this.opts.logger.error('tide-render wrote a line that is not JSON', {
          line: truncateChars(line, 200),
        });
        return;
      }
      if (msg.ready === true) markReady(msg.engines ?? {});
      else if (msg.call !== undefined) void this.answerCall(msg);
      else if (msg.id !== undefined) this.settle(msg);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      this.opts.logger.debug('tide-render', {
        pid: this.child.pid,
        line: truncateChars(sanitizeText(line), 2000),
      });
    });
    this.child.on('error', (err) => {
      failReady(new RendererUnavailableError(`cannot start tide-render (${binary}): ${err.message}`));
      this.handleExit(`could not start: ${err.message}`);
    });
    this.child.on('exit', (code, signal) => {
      const how = signal === null ? `exited with code ${String(code)}` : `was killed by ${signal}`;
      failReady(
        new RendererUnavailableError(`tide-render ${how} before it was ready: ${this.stderrTail.join('\n')}`),
      );
      this.handleExit(how);
    });
    this.child.stdin.on('error', () => undefined); // reported through 'exit'
    if (this.child.pid !== undefined) this.watchMemory(this.child.pid);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Running and not being stopped: may take requests. */
  get alive(): boolean {
    return !this.exited && !this.stopping;
  }

  request(
    op: string,
    params: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
    onCall?: Pending['onCall'],
  ): Promise<unknown> {
    if (!this.alive) return Promise.reject(new RendererUnavailableError('tide-render is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.opts.logger.error('tide-render did not answer past the deadline; replacing it', {
          pid: this.child.pid,
          op,
          timeoutMs,
        });
        this.kill(`it did not answer ${op} within ${timeoutMs + this.opts.hangGraceMs} ms`);
      }, timeoutMs + this.opts.hangGraceMs);
      timer.unref();
      this.pending.set(id, { op, resolve, reject, onCall, timer });
      signal?.addEventListener(
        'abort',
        () => {
          this.send({ cancel: id });
        },
        { once: true },
      );
      this.send({ id, op, params, timeoutMs });
    });
  }

  kill(reason: string): void {
    if (this.exited) return;
    this.stopping = true;
    this.failAll(
      new RendererUnavailableError(`tide-render (pid ${String(this.child.pid)}) was stopped: ${reason}`),
    );
    this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => {
      this.child.once('exit', () => {
        resolve();
      });
    });
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private send(msg: unknown): void {
    if (this.exited) return;
    this.child.stdin.write(JSON.stringify(msg) + '\n');
  }

  private settle(msg: WireMessage): void {
    const id = msg.id ?? 0;
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (msg.error !== undefined) p.reject(new RenderError(msg.error.code, msg.error.message));
    else p.resolve(msg.result);
  }

  private async answerCall(msg: WireMessage): Promise<void> {
    const p = this.pending.get(msg.request ?? 0);
    try {
      if (p?.onCall === undefined) throw new Error(`no handler for the helper's ${String(msg.op)} call`);
      const result = await p.onCall(msg.op ?? '', msg.params);
      this.send({ call: msg.call, result: result ?? null });
    } catch (err) {
      this.send({
        call: msg.call,
        error: { code: 'Internal', message: err instanceof Error ? err.message : String(err) },
      });
    }
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  private handleExit(how: string): void {
    if (this.exited) return;
    this.exited = true;
    if (this.memoryTimer !== undefined) clearInterval(this.memoryTimer);
    const ops = [...this.pending.values()].map((p) => p.op);
    this.failAll(
      new RendererUnavailableError(
        `tide-render (pid ${String(this.child.pid)}) ${how} while rendering (${ops.join(', ') || 'idle'})`,
      ),
    );
    this.onExit(this);
  }

  private watchMemory(pid: number): void {
    const pageSize = 4096;
    this.memoryTimer = setInterval(() => {
      if (this.pending.size === 0) return;
      readFile(`/proc/${String(pid)}/statm`, 'utf8').then(
        (statm) => {
          const rssMiB = (Number(statm.split(' ')[1] ?? 0) * pageSize) / (1 << 20);
          if (rssMiB > this.opts.hardMemoryLimitMiB) {
            const ops = [...this.pending.values()].map((p) => p.op).join(', ');
            this.opts.logger.error('tide-render passed its memory limit; replacing it', { pid, rssMiB, ops });
            this.kill(
              `it used ${rssMiB.toFixed(0)} MiB, over the ${String(this.opts.hardMemoryLimitMiB)} MiB limit, while rendering ${ops}`,
            );
          }
        },
        () => undefined,
      );
    }, memoryCheckMs);
    this.memoryTimer.unref();
  }
}

/** The renderer: a pool of helpers serving Kustomize, Helm and SOPS requests. */
export class Renderer {
  private readonly helpers: HelperProcess[] = [];
  private closed = false;
  private restarts = 0;
  private recentRestarts: number[] = [];
  private engineVersions: Record<string, string> = {};

  private constructor(
    private readonly binary: string,
    private readonly opts: HelperOptions & Required<Pick<RendererOptions, 'processes' | 'defaultTimeoutMs'>>,
  ) {}

  /** Starts the helpers (building the binary first when needed) and waits until they are ready. */
  static async start(options: RendererOptions = {}): Promise<Renderer> {
    let binary = options.binary;
    if (binary === undefined) {
      if (options.cacheDir === undefined) throw new Error('Renderer.start needs binary or cacheDir');
      binary = await ensureRendererBinary({
        cacheDir: options.cacheDir,
        onProgress: options.onBuildProgress,
      });
    }
    const renderer = new Renderer(binary, {
      processes: options.processes ?? Math.min(4, Math.max(1, os.availableParallelism())),
      memoryLimitMiB: options.memoryLimitMiB ?? 768,
      hardMemoryLimitMiB: options.hardMemoryLimitMiB ?? 2048,
      defaultTimeoutMs: options.defaultTimeoutMs ?? 5 * 60_000,
      hangGraceMs: options.hangGraceMs ?? 15_000,
      logger: options.logger ?? silentLogger,
      env: options.env ?? {},
    });
    for (let i = 0; i < renderer.opts.processes; i++) renderer.helpers.push(renderer.spawnHelper());
    try {
      const versions = await Promise.all(renderer.helpers.map((h) => h.ready));
      renderer.engineVersions = versions[0] ?? {};
    } catch (err) {
      await renderer.close();
      throw err;
    }
    return renderer;
  }

  /** Upstream module versions linked into the helper (kustomize/api, helm, sops). */
  get engines(): Readonly<Record<string, string>> {
    return this.engineVersions;
  }

  /** Process ids of the running helpers, for tests and diagnostics. */
  get pids(): number[] {
    return this.helpers.flatMap((h) => (h.pid === undefined || !h.alive ? [] : [h.pid]));
  }

  /** How many helpers were replaced since start. */
  get restartCount(): number {
    return this.restarts;
  }

  /** `kustomize build` of params.path with Flux's semantics; returns the YAML stream. */
  async kustomizeBuild(params: KustomizeBuildParams, opts: CallOptions = {}): Promise<string> {
    const result = (await this.call('kustomize.build', params, opts)) as { yaml: string };
    return result.yaml;
  }

  /** The kustomization.yaml the build uses (generated and with the spec applied). */
  async kustomizeGenerate(params: KustomizeBuildParams, opts: CallOptions = {}): Promise<string> {
    const result = (await this.call('kustomize.generate', params, opts)) as { kustomization: string };
    return result.kustomization;
  }

  /** Renders a chart; lookup (when params.lookup) is answered by `lookup`. */
  async helmRender(
    params: HelmRenderParams,
    opts: CallOptions & { readonly lookup?: LookupFn } = {},
  ): Promise<HelmRenderResult> {
    const lookup = opts.lookup;
    const onCall =
      lookup === undefined
        ? undefined
        : async (op: string, p: unknown): Promise<unknown> => {
            if (op !== 'lookup') throw new Error(`unknown call ${op}`);
            return (await lookup(p as LookupRequest)) ?? null;
          };
    return (await this.call('helm.render', params, opts, onCall)) as HelmRenderResult;
  }

  /** Decrypts a SOPS document with in-memory keys. */
  async sopsDecrypt(
    data: Buffer,
    format: SopsFormat,
    keys: SopsKeys,
    opts: CallOptions = {},
  ): Promise<Buffer> {
    const result = (await this.call(
      'sops.decrypt',
      { data: data.toString('base64'), format, keys },
      opts,
    )) as {
      data: string;
    };
    return Buffer.from(result.data, 'base64');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.helpers.map((h) => h.close()));
  }

  /**
   * Sends any operation; `onCall` answers the helper's calls back to Tide.
   * The typed methods above are what the controllers use.
   */
  request(
    op: string,
    params: unknown,
    opts: CallOptions & { readonly onCall?: (op: string, params: unknown) => Promise<unknown> } = {},
  ): Promise<unknown> {
    return this.call(op, params, opts, opts.onCall);
  }

  private call(op: string, params: unknown, opts: CallOptions, onCall?: Pending['onCall']): Promise<unknown> {
    if (this.closed) return Promise.reject(new RendererUnavailableError('the renderer is closed'));
    const helper = this.pick();
    if (helper === undefined)
      return Promise.reject(new RendererUnavailableError('no tide-render process is running'));
    return helper.request(op, params, opts.timeoutMs ?? this.opts.defaultTimeoutMs, opts.signal, onCall);
  }

  private pick(): HelperProcess | undefined {
    let best: HelperProcess | undefined;
    for (const h of this.helpers) {
      if (!h.alive) continue;
      if (best === undefined || h.pending.size < best.pending.size) best = h;
    }
    return best;
  }

  private spawnHelper(): HelperProcess {
    return new HelperProcess(this.binary, { ...this.opts }, (dead) => {
      if (this.closed) return;
      const index = this.helpers.indexOf(dead);
      if (index < 0) return;
      this.restarts++;
      // Replace it; a helper that keeps dying is replaced ever more slowly
      // (its requests fail with RendererUnavailableError, which callers back
      // off from), and the pace recovers after a quiet minute.
      const now = Date.now();
      this.recentRestarts = this.recentRestarts.filter((t) => now - t < 60_000);
      this.recentRestarts.push(now);
      const delay = Math.min(30_000, 50 * 2 ** (this.recentRestarts.length - 1));
      setTimeout(() => {
        if (!this.closed) this.helpers[index] = this.spawnHelper();
      }, delay).unref();
    });
  }
}
