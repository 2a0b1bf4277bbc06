// One tide-render helper process of the Renderer pool (renderer.ts): spawns it, speaks
// JSON lines with it, tracks its pending requests and answers its calls back, and kills it
// when it hangs or passes its memory limit.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Logger } from '../runtime/log/logger.js';
import { sanitizeText, truncateChars } from '../runtime/log/sanitize.js';
import { RenderError, RendererUnavailableError, type RenderErrorCode } from './errors.js';
import type { RendererOptions } from './renderer.js';

export interface Pending {
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

export type HelperOptions = Required<
  Pick<RendererOptions, 'memoryLimitMiB' | 'hardMemoryLimitMiB' | 'hangGraceMs'>
> & {
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string>>;
};

export class HelperProcess {
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
