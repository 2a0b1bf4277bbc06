// A pool of tide-render helper processes (renderer/): started once, kept
// running, fed JSON lines. Requests go to the least busy process; a process
// that dies, hangs past a deadline or grows past its memory cap is replaced,
// and only the requests it held fail.
import os from 'node:os';
import { silentLogger, type Logger } from '../runtime/log/logger.js';
import { ensureRendererBinary } from './binary.js';
import { RendererUnavailableError } from './errors.js';
import { HelperProcess, type HelperOptions, type Pending } from './helper-process.js';
import type {
  HelmRenderParams,
  HelmRenderResult,
  KustomizeBuildParams,
  LookupFn,
  LookupRequest,
  SopsFormat,
  SopsKeys,
} from './types.js';

export { RenderError, RendererUnavailableError, type RenderErrorCode } from './errors.js';

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
