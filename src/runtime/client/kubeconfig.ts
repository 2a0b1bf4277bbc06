// Kubeconfig files, read by Tide itself: @kubernetes/client-node, which used to do this,
// costs a manager ~66 MiB of memory for one class (ADR 0003). Loading parses and merges
// the files, picks the context and fails with the file and field at fault; credentials
// are resolved on every applyToHTTPSOptions call, so token files are re-read and exec
// plugins run again once their credential expires.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import path from 'node:path';
import { parse } from 'yaml';
import { sanitizeText, truncateChars } from '../log/sanitize.js';

/** What the transport needs from a kubeconfig; client-node's KubeConfig satisfies it too. */
export interface KubeConfigSource {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets ca/cert/key/rejectUnauthorized/servername and the authentication headers. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export interface KubeCluster {
  readonly name: string;
  readonly server: string;
  /** Paths are absolute when the kubeconfig came from a file. */
  readonly certificateAuthority?: string;
  /** Base64, as written in the kubeconfig. */
  readonly certificateAuthorityData?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
}

export const ExecApiVersions: readonly string[] = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
];

export interface ExecConfig {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly apiVersion: string;
  readonly interactiveMode?: string;
  readonly provideClusterInfo: boolean;
}

export interface KubeUser {
  readonly name: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly clientCertificate?: string;
  readonly clientCertificateData?: string;
  readonly clientKey?: string;
  readonly clientKeyData?: string;
  readonly username?: string;
  readonly password?: string;
  /** `as`: the user to impersonate. */
  readonly impersonate?: string;
  readonly exec?: ExecConfig;
  /** Fields that are set but not supported; refused when the user is selected. */
  readonly unsupported: readonly string[];
}

export interface KubeContext {
  readonly name: string;
  readonly cluster: string;
  readonly user?: string;
  readonly namespace?: string;
}

/** One kubeconfig file, or several merged. */
export interface KubeConfigDocument {
  /** Names the origin in messages: "kubeconfig /home/me/.kube/config". */
  readonly source: string;
  readonly clusters: readonly KubeCluster[];
  readonly users: readonly KubeUser[];
  readonly contexts: readonly KubeContext[];
  readonly currentContext?: string;
}

export interface KubeConfigOptions {
  /** Use this context instead of current-context (kubectl's --context). */
  readonly context?: string;
  /**
   * The environment exec plugins start with, before their own `env` entries (kubectl
   * passes its own). Default: empty, so a plugin named without a path is not found.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Clock for exec credential expiry (tests). */
  readonly now?: () => number;
}

export interface ParseOptions {
  /** Names the origin in messages; default "kubeconfig". */
  readonly source?: string;
  /** Relative file paths in the kubeconfig resolve against this directory. */
  readonly baseDir?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/** Parses one kubeconfig; throws KubeConfigError naming the source and the field. */
export function parseKubeConfig(text: string, opts: ParseOptions = {}): KubeConfigDocument {
  const source = opts.source ?? 'kubeconfig';
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 50 });
  } catch (err) {
    const first = (err as Error).message.split('\n')[0] ?? '';
    throw new KubeConfigError(`${source}: not valid YAML: ${first}`);
  }
  doc ??= {};
  if (!isRecord(doc)) throw new KubeConfigError(`${source}: not a kubeconfig (not a mapping)`);
  const fields = new Fields(source, opts.baseDir);
  const currentContext = fields.str(doc, 'current-context', 'current-context');
  return {
    source,
    clusters: fields.named(doc, 'clusters', 'cluster', (c, at, name) => fields.cluster(c, at, name)),
    users: fields.named(doc, 'users', 'user', (u, at, name) => fields.user(u, at, name)),
    contexts: fields.named(doc, 'contexts', 'context', (c, at, name) => fields.context(c, at, name)),
    ...(currentContext === undefined || currentContext === '' ? {} : { currentContext }),
  };
}

/** Typed reads of kubeconfig fields; errors say where (`users[dev].user.token`). */
class Fields {
  constructor(
    readonly source: string,
    readonly baseDir: string | undefined,
  ) {}

  fail(at: string, what: string): never {
    throw new KubeConfigError(`${this.source}: ${at} ${what}`);
  }

  str(obj: Record<string, unknown>, key: string, at: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(at, 'must be a string');
    return v;
  }

  nonEmpty(obj: Record<string, unknown>, key: string, at: string): string | undefined {
    const v = this.str(obj, key, at);
    return v === '' ? undefined : v;
  }

  file(obj: Record<string, unknown>, key: string, at: string): string | undefined {
    const v = this.nonEmpty(obj, key, at);
    if (v === undefined || this.baseDir === undefined) return v;
    return path.resolve(this.baseDir, v);
  }

  base64(obj: Record<string, unknown>, key: string, at: string): string | undefined {
    const v = this.nonEmpty(obj, key, at);
    if (v !== undefined && !BASE64.test(v)) this.fail(at, 'must be base64');
    return v;
  }

  bool(obj: Record<string, unknown>, key: string, at: string): boolean {
    const v = obj[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') this.fail(at, 'must be true or false');
    return v;
  }

  named<T>(
    doc: Record<string, unknown>,
    list: string,
    inner: string,
    read: (body: Record<string, unknown>, at: string, name: string) => T,
  ): T[] {
    const items = doc[list];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) this.fail(list, 'must be a list');
    const seen = new Set<string>();
    return items.map((item: unknown, i) => {
      if (!isRecord(item)) this.fail(`${list}[${i}]`, 'must be a mapping');
      const name =
        this.nonEmpty(item, 'name', `${list}[${i}].name`) ?? this.fail(`${list}[${i}].name`, 'is required');
      if (seen.has(name)) this.fail(`${list}[${name}]`, 'is defined twice');
      seen.add(name);
      const body = item[inner] ?? {};
      if (!isRecord(body)) this.fail(`${list}[${name}].${inner}`, 'must be a mapping');
      return read(body, `${list}[${name}].${inner}`, name);
    });
  }

  cluster(c: Record<string, unknown>, at: string, name: string): KubeCluster {
    if (this.nonEmpty(c, 'proxy-url', `${at}.proxy-url`) !== undefined)
      this.fail(`${at}.proxy-url`, 'is not supported');
    const ca = this.file(c, 'certificate-authority', `${at}.certificate-authority`);
    const caData = this.base64(c, 'certificate-authority-data', `${at}.certificate-authority-data`);
    const tlsServerName = this.nonEmpty(c, 'tls-server-name', `${at}.tls-server-name`);
    return {
      name,
      server: this.str(c, 'server', `${at}.server`) ?? '',
      ...(ca === undefined ? {} : { certificateAuthority: ca }),
      ...(caData === undefined ? {} : { certificateAuthorityData: caData }),
      insecureSkipTlsVerify: this.bool(c, 'insecure-skip-tls-verify', `${at}.insecure-skip-tls-verify`),
      ...(tlsServerName === undefined ? {} : { tlsServerName }),
    };
  }

  user(u: Record<string, unknown>, at: string, name: string): KubeUser {
    const unsupported = ['auth-provider', 'as-groups', 'as-uid', 'as-user-extra'].filter(
      (k) => u[k] !== undefined && u[k] !== null,
    );
    const exec = u.exec === undefined || u.exec === null ? undefined : this.exec(u.exec, `${at}.exec`);
    return {
      name,
      ...defined('token', this.nonEmpty(u, 'token', `${at}.token`)),
      ...defined('tokenFile', this.file(u, 'tokenFile', `${at}.tokenFile`)),
      ...defined('clientCertificate', this.file(u, 'client-certificate', `${at}.client-certificate`)),
      ...defined(
        'clientCertificateData',
        this.base64(u, 'client-certificate-data', `${at}.client-certificate-data`),
      ),
      ...defined('clientKey', this.file(u, 'client-key', `${at}.client-key`)),
      ...defined('clientKeyData', this.base64(u, 'client-key-data', `${at}.client-key-data`)),
      ...defined('username', this.nonEmpty(u, 'username', `${at}.username`)),
      ...defined('password', this.str(u, 'password', `${at}.password`)),
      ...defined('impersonate', this.nonEmpty(u, 'as', `${at}.as`)),
      ...(exec === undefined ? {} : { exec }),
      unsupported,
    };
  }

  exec(e: unknown, at: string): ExecConfig {
    if (!isRecord(e)) this.fail(at, 'must be a mapping');
    const command = this.nonEmpty(e, 'command', `${at}.command`) ?? this.fail(`${at}.command`, 'is required');
    const args: unknown = e.args ?? [];
    if (!Array.isArray(args) || !args.every((a): a is string => typeof a === 'string'))
      this.fail(`${at}.args`, 'must be a list of strings');
    const envList = e.env ?? [];
    if (!Array.isArray(envList)) this.fail(`${at}.env`, 'must be a list');
    const env = envList.map((entry: unknown, i) => {
      const where = `${at}.env[${i}]`;
      if (!isRecord(entry)) this.fail(where, 'must be a mapping with name and value');
      const name = this.nonEmpty(entry, 'name', `${where}.name`) ?? this.fail(`${where}.name`, 'is required');
      return { name, value: this.str(entry, 'value', `${where}.value`) ?? '' };
    });
    const apiVersion =
      this.nonEmpty(e, 'apiVersion', `${at}.apiVersion`) ?? this.fail(`${at}.apiVersion`, 'is required');
    const interactiveMode = this.nonEmpty(e, 'interactiveMode', `${at}.interactiveMode`);
    return {
      // Like kubectl: a command with a path separator is relative to the kubeconfig's
      // directory, a bare name is looked up in PATH.
      command:
        command.includes('/') && this.baseDir !== undefined ? path.resolve(this.baseDir, command) : command,
      args,
      env,
      apiVersion,
      ...(interactiveMode === undefined ? {} : { interactiveMode }),
      provideClusterInfo: this.bool(e, 'provideClusterInfo', `${at}.provideClusterInfo`),
    };
  }

  context(c: Record<string, unknown>, at: string, name: string): KubeContext {
    const user = this.nonEmpty(c, 'user', `${at}.user`);
    const namespace = this.nonEmpty(c, 'namespace', `${at}.namespace`);
    return {
      name,
      cluster: this.str(c, 'cluster', `${at}.cluster`) ?? '',
      ...(user === undefined ? {} : { user }),
      ...(namespace === undefined ? {} : { namespace }),
    };
  }
}

function defined<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}

/** Merges kubeconfigs like kubectl does with $KUBECONFIG: the first to set a name or current-context wins. */
export function mergeKubeConfigs(docs: readonly KubeConfigDocument[]): KubeConfigDocument {
  const first = <T extends { readonly name: string }>(pick: (d: KubeConfigDocument) => readonly T[]): T[] => {
    const byName = new Map<string, T>();
    for (const d of docs) for (const item of pick(d)) if (!byName.has(item.name)) byName.set(item.name, item);
    return [...byName.values()];
  };
  const currentContext = docs.find((d) => d.currentContext !== undefined)?.currentContext;
  return {
    source:
      docs.length === 1
        ? (docs[0]?.source ?? 'kubeconfig')
        : `kubeconfig ${docs.map((d) => d.source.replace(/^kubeconfig /, '')).join(path.delimiter)}`,
    clusters: first((d) => d.clusters),
    users: first((d) => d.users),
    contexts: first((d) => d.contexts),
    ...(currentContext === undefined ? {} : { currentContext }),
  };
}

interface ExecCredential {
  readonly token?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Epoch ms; undefined: valid until the process ends. */
  readonly expiresAt?: number;
}

/**
 * Exec credentials are renewed this long before they expire: whoever applies them may
 * keep them for a while (the transport refreshes once a minute).
 */
const EXEC_EXPIRY_MARGIN_MS = 60_000;
const EXEC_TIMEOUT_MS = 60_000;

/** The context a kubeconfig selects, with the credentials of its user. */
export class ResolvedKubeConfig implements KubeConfigSource {
  readonly source: string;
  readonly contextName: string;
  readonly cluster: KubeCluster;
  readonly user: KubeUser;
  readonly namespace: string | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #now: () => number;
  #fileToken: string | undefined;
  #execCredential: ExecCredential | undefined;
  #execRunning: Promise<ExecCredential> | undefined;

  constructor(doc: KubeConfigDocument, opts: KubeConfigOptions = {}) {
    this.source = doc.source;
    this.#env = opts.env ?? {};
    this.#now = opts.now ?? Date.now;
    const fail = (msg: string): never => {
      throw new KubeConfigError(`${doc.source}: ${msg}`);
    };
    const contextName =
      opts.context ?? doc.currentContext ?? fail('current-context is not set (and no context was chosen)');
    const context =
      doc.contexts.find((c) => c.name === contextName) ??
      fail(`context "${contextName}" is not defined in contexts`);
    const cluster =
      doc.clusters.find((c) => c.name === context.cluster) ??
      fail(
        `contexts[${contextName}].context.cluster: cluster "${context.cluster}" is not defined in clusters`,
      );
    const user =
      context.user === undefined
        ? { name: '', unsupported: [] }
        : (doc.users.find((u) => u.name === context.user) ??
          fail(`contexts[${contextName}].context.user: user "${context.user}" is not defined in users`));
    checkCluster(cluster, fail);
    checkUser(user, fail);
    this.contextName = contextName;
    this.cluster = cluster;
    this.user = user;
    this.namespace = context.namespace;
  }

  getCurrentCluster(): KubeCluster {
    return this.cluster;
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const { cluster, user } = this;
    if (cluster.insecureSkipTlsVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName !== undefined) opts.servername = cluster.tlsServerName;
    const ca = await this.#material(
      `clusters[${cluster.name}].cluster.certificate-authority`,
      cluster.certificateAuthority,
      cluster.certificateAuthorityData,
    );
    if (ca !== undefined) opts.ca = ca;
    const exec = user.exec === undefined ? undefined : await this.#exec(user.exec);
    const at = `users[${user.name}].user`;
    const cert =
      exec?.cert ??
      (await this.#material(`${at}.client-certificate`, user.clientCertificate, user.clientCertificateData));
    const key = exec?.key ?? (await this.#material(`${at}.client-key`, user.clientKey, user.clientKeyData));
    if (cert !== undefined) opts.cert = cert;
    if (key !== undefined) opts.key = key;
    const headers: Record<string, string> = {};
    const bearer = exec?.token ?? (await this.#bearerToken());
    if (bearer !== undefined) headers.Authorization = `Bearer ${bearer}`;
    else if (user.username !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    if (user.impersonate !== undefined) headers['Impersonate-User'] = user.impersonate;
    opts.headers = isHeaderRecord(opts.headers) ? { ...opts.headers, ...headers } : headers;
  }

  async #material(
    at: string,
    file: string | undefined,
    data: string | undefined,
  ): Promise<Buffer | undefined> {
    if (file !== undefined) {
      try {
        return await readFile(file);
      } catch (err) {
        throw new KubeConfigError(`${this.source}: ${at}: cannot read ${file}: ${errorCode(err)}`);
      }
    }
    return data === undefined ? undefined : Buffer.from(data, 'base64');
  }

  /** tokenFile is re-read every time (projected tokens rotate); the last good read wins over token. */
  async #bearerToken(): Promise<string | undefined> {
    const file = this.user.tokenFile;
    if (file === undefined) return this.user.token;
    try {
      const token = (await readFile(file, 'utf8')).trim();
      if (token === '') throw Object.assign(new Error('empty'), { code: 'the file is empty' });
      this.#fileToken = token;
    } catch (err) {
      if (this.#fileToken === undefined && this.user.token === undefined)
        throw new KubeConfigError(
          `${this.source}: users[${this.user.name}].user.tokenFile: cannot read ${file}: ${errorCode(err)}`,
        );
    }
    return this.#fileToken ?? this.user.token;
  }

  async #exec(config: ExecConfig): Promise<ExecCredential> {
    const cached = this.#execCredential;
    if (
      cached !== undefined &&
      (cached.expiresAt === undefined || cached.expiresAt - EXEC_EXPIRY_MARGIN_MS > this.#now())
    )
      return cached;
    this.#execRunning ??= this.#runExec(config).finally(() => (this.#execRunning = undefined));
    const fresh = await this.#execRunning;
    this.#execCredential = fresh;
    return fresh;
  }

  async #runExec(config: ExecConfig): Promise<ExecCredential> {
    const at = `${this.source}: users[${this.user.name}].user.exec`;
    const spec: Record<string, unknown> = { interactive: false };
    if (config.provideClusterInfo) {
      const ca = await this.#material(
        `clusters[${this.cluster.name}].cluster.certificate-authority`,
        this.cluster.certificateAuthority,
        this.cluster.certificateAuthorityData,
      );
      spec.cluster = {
        server: this.cluster.server,
        ...(this.cluster.tlsServerName === undefined
          ? {}
          : { 'tls-server-name': this.cluster.tlsServerName }),
        'insecure-skip-tls-verify': this.cluster.insecureSkipTlsVerify,
        ...(ca === undefined ? {} : { 'certificate-authority-data': ca.toString('base64') }),
      };
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.#env)) if (v !== undefined) env[k] = v;
    for (const { name, value } of config.env) env[name] = value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      apiVersion: config.apiVersion,
      kind: 'ExecCredential',
      spec,
    });
    const known = [this.#execCredential?.token].filter((t): t is string => t !== undefined);
    const stdout = await runPlugin(config.command, config.args, env, at, known);
    return parseExecCredential(stdout, config.apiVersion, `${at}: "${config.command}"`);
  }
}

function checkCluster(cluster: KubeCluster, fail: (msg: string) => never): void {
  const at = `clusters[${cluster.name}].cluster`;
  if (cluster.server === '') fail(`${at}.server is required`);
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    return fail(`${at}.server is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${at}.server must be an https:// URL`);
}

function checkUser(user: KubeUser, fail: (msg: string) => never): void {
  const at = `users[${user.name}].user`;
  const [unsupported] = user.unsupported;
  if (unsupported === 'auth-provider')
    fail(
      `${at}.auth-provider is not supported (the gcp, azure and oidc providers are deprecated): use an exec plugin`,
    );
  if (unsupported !== undefined) fail(`${at}.${unsupported} is not supported`);
  if ((user.token !== undefined || user.tokenFile !== undefined) && user.username !== undefined)
    fail(`${at}: set username/password or a token, not both`);
  const hasCert = user.clientCertificate !== undefined || user.clientCertificateData !== undefined;
  const hasKey = user.clientKey !== undefined || user.clientKeyData !== undefined;
  if (hasCert !== hasKey) fail(`${at}: client-certificate and client-key go together`);
  const exec = user.exec;
  if (exec === undefined) return;
  if (!ExecApiVersions.includes(exec.apiVersion))
    fail(`${at}.exec.apiVersion "${exec.apiVersion}" is not supported (use ${ExecApiVersions.join(' or ')})`);
  if (exec.interactiveMode === 'Always')
    fail(`${at}.exec.interactiveMode is Always, but there is no terminal to interact with`);
  if (
    exec.interactiveMode !== undefined &&
    !['Never', 'IfAvailable', 'Always'].includes(exec.interactiveMode)
  )
    fail(`${at}.exec.interactiveMode must be Never, IfAvailable or Always`);
}

/**
 * Runs an exec plugin without a shell. A failure's message holds its stderr, with every
 * credential it may have printed (and the known ones) masked, and never its stdout.
 */
function runPlugin(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  at: string,
  secrets: readonly string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env, timeout: EXEC_TIMEOUT_MS, maxBuffer: 1 << 20, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve(stdout);
          return;
        }
        const detail = truncateChars(
          sanitizeText(mask(stderr.trim(), [...secrets, ...secretsIn(stdout)])),
          400,
        );
        const code = (err as { code?: unknown }).code;
        let why: string;
        if (code === 'ENOENT') why = 'not found';
        else if (err.killed === true) why = `did not finish within ${EXEC_TIMEOUT_MS / 1000}s`;
        else if (typeof code === 'number') why = `exited with code ${code}`;
        else why = `failed: ${typeof code === 'string' ? code : (err.signal ?? 'unknown error')}`;
        reject(new KubeConfigError(`${at}: "${command}" ${why}${detail === '' ? '' : `: ${detail}`}`));
      },
    );
    // No terminal and nothing on stdin: a plugin that asks for input gets EOF.
    child.stdin?.end();
  });
}

/** Reads the plugin's ExecCredential; messages name what is wrong, never the values. */
function parseExecCredential(stdout: string, apiVersion: string, at: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new KubeConfigError(`${at} printed no ExecCredential (its output is not JSON)`);
  }
  if (!isRecord(doc) || doc.kind !== 'ExecCredential')
    throw new KubeConfigError(`${at} printed no ExecCredential (kind is not ExecCredential)`);
  if (doc.apiVersion !== apiVersion)
    throw new KubeConfigError(
      `${at} answered with apiVersion ${shown(doc.apiVersion)}, asked for ${apiVersion}`,
    );
  const status = doc.status;
  if (!isRecord(status)) throw new KubeConfigError(`${at}: the ExecCredential has no status`);
  const text = (key: string): string | undefined => {
    const v = status[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string')
      throw new KubeConfigError(`${at}: ExecCredential status.${key} must be a string`);
    return v;
  };
  const token = text('token');
  const cert = text('clientCertificateData');
  const key = text('clientKeyData');
  if ((cert === undefined) !== (key === undefined))
    throw new KubeConfigError(
      `${at}: ExecCredential status has only one of clientCertificateData and clientKeyData`,
    );
  if (token === undefined && cert === undefined)
    throw new KubeConfigError(
      `${at}: ExecCredential status has neither token nor clientCertificateData/clientKeyData`,
    );
  const expiration = text('expirationTimestamp');
  const expiresAt = expiration === undefined ? undefined : Date.parse(expiration);
  if (expiresAt !== undefined && Number.isNaN(expiresAt))
    throw new KubeConfigError(`${at}: ExecCredential status.expirationTimestamp is not a timestamp`);
  return {
    ...(token === undefined ? {} : { token }),
    // The plugin prints PEM text, not base64.
    ...(cert === undefined || key === undefined ? {} : { cert: Buffer.from(cert), key: Buffer.from(key) }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** A plugin-supplied value in a message: only when it looks like an apiVersion. */
function shown(v: unknown): string {
  return typeof v === 'string' && /^[\w./-]{1,100}$/.test(v) ? `"${v}"` : '(missing or malformed)';
}

function mask(text: string, secrets: readonly string[]): string {
  return secrets.filter((v) => v !== '').reduce((t, v) => t.split(v).join('***'), text);
}

/** Credential values in a (failed) plugin's output, found without trusting its shape. */
function secretsIn(stdout: string): string[] {
  try {
    const status = (JSON.parse(stdout) as { status?: Record<string, unknown> } | null)?.status ?? {};
    return ['token', 'clientKeyData'].map((k) => status[k]).filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
}

function isHeaderRecord(h: https.RequestOptions['headers']): h is OutgoingHttpHeaders {
  return h !== undefined && !Array.isArray(h);
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown error';
}

/** Loads the current context of one kubeconfig text. */
export function loadKubeConfigFromString(
  text: string,
  opts: ParseOptions & KubeConfigOptions = {},
): ResolvedKubeConfig {
  return new ResolvedKubeConfig(parseKubeConfig(text, opts), opts);
}

/** Loads a kubeconfig file; relative paths in it resolve against its directory. */
export function loadKubeConfigFromFile(file: string, opts: KubeConfigOptions = {}): ResolvedKubeConfig {
  return new ResolvedKubeConfig(readKubeConfigFile(file), opts);
}

function readKubeConfigFile(file: string): KubeConfigDocument {
  const source = `kubeconfig ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeConfigError(`${source}: cannot read: ${errorCode(err)}`);
  }
  return parseKubeConfig(text, { source, baseDir: path.dirname(path.resolve(file)) });
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface DefaultKubeConfigOptions extends Omit<KubeConfigOptions, 'env'> {
  /** Where a pod's ServiceAccount token, CA and namespace are mounted. */
  readonly serviceAccountDir?: string;
}

/**
 * kubectl's and client-node's order: the files in $KUBECONFIG (merged), else
 * ~/.kube/config, else the pod's ServiceAccount. `env` is also what exec plugins get.
 */
export function loadDefaultKubeConfig(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  opts: DefaultKubeConfigOptions = {},
): ResolvedKubeConfig {
  const options = { ...opts, env };
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  if (list.length > 0) {
    // Like kubectl, files in the list that do not exist are skipped.
    const files = [...new Set(list)].filter((f) => existsSync(f));
    if (files.length === 0)
      throw new KubeConfigError(`none of the files in KUBECONFIG exists: ${list.join(', ')}`);
    return new ResolvedKubeConfig(mergeKubeConfigs(files.map(readKubeConfigFile)), options);
  }
  const homeConfig = path.join(home, '.kube', 'config');
  if (existsSync(homeConfig)) return loadKubeConfigFromFile(homeConfig, options);
  if (env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '')
    return loadInClusterKubeConfig(env, opts);
  throw new KubeConfigError(
    `no kubeconfig: KUBECONFIG is not set, ${homeConfig} does not exist and this is not a pod (KUBERNETES_SERVICE_HOST is not set)`,
  );
}

/** The pod's ServiceAccount: the API server from the environment, token and CA from the mounted files. */
export function loadInClusterKubeConfig(
  env: Readonly<Record<string, string | undefined>>,
  opts: DefaultKubeConfigOptions = {},
): ResolvedKubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  const source = 'in-cluster config';
  if (host === '' || port === '')
    throw new KubeConfigError(`${source}: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set`);
  const dir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const tokenFile = path.join(dir, 'token');
  if (!existsSync(tokenFile)) throw new KubeConfigError(`${source}: no ServiceAccount token at ${tokenFile}`);
  const namespaceFile = path.join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : '';
  const caFile = path.join(dir, 'ca.crt');
  const doc: KubeConfigDocument = {
    source,
    clusters: [
      {
        name: 'in-cluster',
        server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
        ...(existsSync(caFile) ? { certificateAuthority: caFile } : {}),
        insecureSkipTlsVerify: false,
      },
    ],
    users: [{ name: 'serviceaccount', tokenFile, unsupported: [] }],
    contexts: [
      {
        name: 'in-cluster',
        cluster: 'in-cluster',
        user: 'serviceaccount',
        ...(namespace === '' ? {} : { namespace }),
      },
    ],
    currentContext: 'in-cluster',
  };
  return new ResolvedKubeConfig(doc, { ...opts, context: 'in-cluster' });
}
