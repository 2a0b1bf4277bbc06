// A small Kubernetes client for the runtime: JSON over HTTPS with client-side rate
// limiting, server-side apply, metadata-only lists and streaming watches.
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../api/object.js';
import { ApiError } from './errors.js';
import { TokenBucket } from './rate-limiter.js';
import { apiVersion, resourcePath, type ResourceType } from './resource.js';
import type { Transport } from './transport.js';
import { parseWatchStream, type WatchEvent } from './watch.js';

export interface ClientOptions {
  /** Sustained requests per second (client-go's QPS). */
  readonly qps: number;
  /** Requests allowed at once above qps. */
  readonly burst: number;
  readonly userAgent?: string;
  /** Act as this user (Kubernetes impersonation). */
  readonly impersonate?: { readonly user: string; readonly groups?: readonly string[] };
}

export interface RequestOptions {
  readonly method?: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly signal?: AbortSignal | undefined;
}

export interface ListOptions {
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  readonly limit?: number;
  readonly continue?: string | undefined;
  readonly resourceVersion?: string;
  /** List PartialObjectMetadata only (labels, annotations, owner references...). */
  readonly metadataOnly?: boolean;
  readonly signal?: AbortSignal | undefined;
}

export interface ObjectList<T> {
  readonly items: T[];
  readonly metadata: { resourceVersion?: string; continue?: string };
}

export interface WatchOptions {
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  readonly metadataOnly?: boolean;
  readonly signal: AbortSignal;
}

export interface ApplyOptions {
  readonly fieldManager: string;
  readonly force?: boolean;
  readonly subresource?: 'status';
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal | undefined;
}

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_ITEM = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export class KubeClient {
  readonly #transport: Transport;
  readonly #limiter: TokenBucket;
  readonly #options: ClientOptions;

  constructor(transport: Transport, options: ClientOptions, limiter?: TokenBucket) {
    this.#transport = transport;
    this.#options = options;
    this.#limiter = limiter ?? new TokenBucket({ qps: options.qps, burst: options.burst });
  }

  /**
   * The same connection and rate limit, acting as another user. An empty user or group
   * is refused: the server would ignore the empty header and act as this client.
   */
  impersonating(user: string, groups?: readonly string[]): KubeClient {
    if (user.trim() === '' || groups?.some((g) => g.trim() === '') === true) {
      throw new Error('refusing to impersonate an empty user or group');
    }
    return new KubeClient(
      this.#transport,
      { ...this.#options, impersonate: groups === undefined ? { user } : { user, groups } },
      this.#limiter,
    );
  }

  /** The user this client impersonates, if any. */
  get impersonatedUser(): string | undefined {
    return this.#options.impersonate?.user;
  }

  get server(): URL {
    return this.#transport.server;
  }

  async get<T extends KubeObject>(
    res: ResourceType,
    name: string,
    namespace?: string,
    signal?: AbortSignal,
  ): Promise<T> {
    return (await this.request({ path: resourcePath(res, { namespace, name }), signal })) as T;
  }

  async list<T extends KubeObject>(res: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const list = (await this.request({
      path: resourcePath(res, { namespace: opts.namespace }),
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      },
      accept: opts.metadataOnly === true ? METADATA_LIST : undefined,
      signal: opts.signal,
    })) as ObjectList<T>;
    // List items carry no apiVersion/kind; restore them so cached objects are complete.
    for (const item of list.items) {
      if (opts.metadataOnly !== true) {
        item.apiVersion = apiVersion(res);
        item.kind = res.kind;
      }
    }
    return list;
  }

  async create<T extends KubeObject>(res: ResourceType, object: T, signal?: AbortSignal): Promise<T> {
    return (await this.request({
      method: 'POST',
      path: resourcePath(res, { namespace: object.metadata.namespace }),
      body: object,
      signal,
    })) as T;
  }

  async replace<T extends KubeObject>(res: ResourceType, object: T, signal?: AbortSignal): Promise<T> {
    return (await this.request({
      method: 'PUT',
      path: resourcePath(res, { namespace: object.metadata.namespace, name: object.metadata.name }),
      body: object,
      signal,
    })) as T;
  }

  async patch<T extends KubeObject>(
    res: ResourceType,
    ref: { name: string; namespace?: string | undefined },
    patch: unknown,
    opts: { type: 'merge' | 'json' | 'strategic'; subresource?: 'status'; signal?: AbortSignal } = {
      type: 'merge',
    },
  ): Promise<T> {
    const contentType = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[opts.type];
    return (await this.request({
      method: 'PATCH',
      path: resourcePath(res, { namespace: ref.namespace, name: ref.name, subresource: opts.subresource }),
      body: patch,
      contentType,
      signal: opts.signal,
    })) as T;
  }

  /** Server-side apply of `object` (which names itself) under a field manager. */
  async apply<T extends KubeObject>(res: ResourceType, object: KubeObject, opts: ApplyOptions): Promise<T> {
    return (await this.request({
      method: 'PATCH',
      path: resourcePath(res, {
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        subresource: opts.subresource,
      }),
      query: {
        fieldManager: opts.fieldManager,
        force: opts.force,
        dryRun: opts.dryRun === true ? 'All' : undefined,
      },
      body: object,
      contentType: 'application/apply-patch+yaml',
      signal: opts.signal,
    })) as T;
  }

  async delete(
    res: ResourceType,
    ref: { name: string; namespace?: string | undefined },
    opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: resourcePath(res, { namespace: ref.namespace, name: ref.name }),
      body: opts.propagationPolicy === undefined ? undefined : { propagationPolicy: opts.propagationPolicy },
      signal: opts.signal,
    });
  }

  /** Opens a watch; the stream ends when the server closes it or the signal aborts. */
  async watch<T extends KubeObject>(
    res: ResourceType,
    opts: WatchOptions,
  ): Promise<AsyncIterable<WatchEvent<T>>> {
    const response = await this.#send({
      path: resourcePath(res, { namespace: opts.namespace }),
      query: {
        watch: true,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
      },
      accept: opts.metadataOnly === true ? METADATA_ITEM : undefined,
      signal: opts.signal,
    });
    if (response.statusCode !== 200) {
      const body = await readBody(response);
      throw ApiError.fromResponse('WATCH', res.plural, response.statusCode ?? 0, body);
    }
    return parseWatchStream<T>(response, opts.signal);
  }

  /**
   * Any request; JSON in, JSON out, ApiError for non-2xx answers. Like client-go, an
   * answer that says "not processed, come back" (429, or a 5xx with Retry-After: e.g.
   * "storage is (re)initializing" right after a CRD is established) is retried after the
   * delay it names, a few times.
   */
  async request(opts: RequestOptions): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const response = await this.#send(opts);
      const body = await readBody(response);
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return body;
      const delayMs = retryDelayMs(status, response.headers['retry-after']);
      if (delayMs === undefined || attempt >= MAX_RETRIES)
        throw ApiError.fromResponse(opts.method ?? 'GET', opts.path, status, body);
      await sleep(delayMs, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
    }
  }

  async #send(opts: RequestOptions): Promise<IncomingMessage> {
    await this.#limiter.acquire(opts.signal);
    const url = new URL(opts.path, this.#transport.server);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string | string[]> = {
      ...(await this.#transport.headers()),
      Accept: opts.accept ?? 'application/json',
      'User-Agent': this.#options.userAgent ?? 'tide',
    };
    const impersonate = this.#options.impersonate;
    if (impersonate !== undefined) {
      headers['Impersonate-User'] = impersonate.user;
      if (impersonate.groups !== undefined) headers['Impersonate-Group'] = [...impersonate.groups];
    }
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      // Without a length Node sends a DELETE body the server does not read, and the bytes
      // left on the kept-alive connection corrupt the next request.
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method: opts.method ?? 'GET',
        agent: this.#transport.agent,
        headers,
        signal: opts.signal,
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }
}

const MAX_RETRIES = 5;

/** How long to wait before retrying an answer the server did not process; undefined: do not retry. */
export function retryDelayMs(status: number, retryAfter: string | undefined): number | undefined {
  const seconds = retryAfter === undefined ? undefined : Number(retryAfter);
  const given = seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  if (status === 429) return Math.min((given ?? 1) * 1000, 10_000);
  if (status >= 500 && given !== undefined) return Math.min(given * 1000, 10_000);
  return undefined;
}

async function readBody(response: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
