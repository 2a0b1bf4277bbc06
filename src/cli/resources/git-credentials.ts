// Git credentials as the flux CLI stores them in a Secret (`identity`, `identity.pub`,
// `known_hosts`, `password` for SSH; `username`, `password`, `bearerToken`, `ca.crt`
// for HTTPS), from the flags of `create source git` and `create secret git`.
import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../../api/object.js';
import { CliError, ExitCode } from '../context.js';
import { scanHostKeys } from './known-hosts.js';
import { generateKeyPair, loadKeyPair, type EcdsaCurve, type KeyAlgorithm } from './ssh-keys.js';

export interface GitCredentialFlags {
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
  /** Path of a PEM CA bundle (HTTPS). */
  readonly caFile?: string;
  /** The flag --caFile came from, for messages (`--ca-file`, `--ca-crt-file`). */
  readonly caFlag?: string;
  readonly privateKeyFile?: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly rsaBits: number;
  readonly ecdsaCurve: EcdsaCurve;
}

/** Parses a Git URL: ssh://, https:// or http:// (scp-like `git@host:path` is refused with the fix). */
export function parseGitUrl(value: string | undefined, flag = '--url'): URL {
  if (value === undefined || value === '') {
    throw new CliError(
      `${flag} is required, e.g. ${flag}=https://github.com/org/repo or ${flag}=ssh://git@github.com/org/repo`,
      ExitCode.usage,
    );
  }
  const scpLike = /^([^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(value);
  if (scpLike !== null && !value.includes('://')) {
    throw new CliError(
      `${flag} '${value}' is an scp-like address; write it as ssh://${scpLike[1] ?? ''}${scpLike[2] ?? ''}/${scpLike[3] ?? ''}`,
      ExitCode.usage,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${flag} '${value}' is not a URL, e.g. https://github.com/org/repo`, ExitCode.usage);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['ssh', 'http', 'https'].includes(scheme)) {
    throw new CliError(
      `${flag} '${value}': the scheme '${scheme}' is not supported, it can be ssh, http or https.`,
      ExitCode.usage,
    );
  }
  return url;
}

export function isSsh(url: URL): boolean {
  return url.protocol === 'ssh:';
}

/** Usage errors for credential flags that do not fit the URL's scheme. */
export function checkCredentialFlags(url: URL, flags: GitCredentialFlags): void {
  const given = (name: string, value: string | undefined): string[] => (value === undefined ? [] : [name]);
  if (isSsh(url)) {
    const wrong = [
      ...given('--username', flags.username),
      ...given('--bearer-token', flags.bearerToken),
      ...given(flags.caFlag ?? '--ca-file', flags.caFile),
    ];
    if (wrong.length > 0) {
      throw new CliError(
        `${wrong.join(', ')} ${wrong.length === 1 ? 'is' : 'are'} for HTTP(S) URLs; ${url.href} uses SSH, which authenticates with a key (--private-key-file, or a generated one).`,
        ExitCode.usage,
      );
    }
    if (flags.password !== undefined && flags.privateKeyFile === undefined) {
      throw new CliError(
        '--password with an SSH URL is the passphrase of --private-key-file; give the key file too.',
        ExitCode.usage,
      );
    }
    return;
  }
  if (flags.privateKeyFile !== undefined) {
    throw new CliError(
      `--private-key-file is for SSH URLs; ${url.href} uses ${url.protocol.replace(':', '').toUpperCase()} (use --username and --password).`,
      ExitCode.usage,
    );
  }
  if ((flags.username !== undefined || flags.password !== undefined) && flags.bearerToken !== undefined) {
    throw new CliError(
      '--bearer-token cannot be combined with --username/--password: use one of them.',
      ExitCode.usage,
    );
  }
  if ((flags.username === undefined) !== (flags.password === undefined) && flags.bearerToken === undefined) {
    throw new CliError(
      `${flags.username === undefined ? '--password needs --username' : '--username needs --password'} for basic authentication.`,
      ExitCode.usage,
    );
  }
}

export async function readFlagFile(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CliError(`${flag} ${path}: cannot read the file (${code}).`, ExitCode.usage);
  }
}

export interface GitCredentials {
  /** The Secret's keys and values (empty when the flags carry no credentials). */
  readonly data: Record<string, string>;
  /** The public key to add as a deploy key, when the key pair was generated here. */
  readonly deployKey?: string;
}

/**
 * The Secret data for a Git URL and the credential flags; for SSH, a key pair is read
 * from --private-key-file or generated, and known_hosts scanned from the server.
 */
export async function gitCredentials(
  url: URL,
  flags: GitCredentialFlags,
  opts: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<GitCredentials> {
  if (isSsh(url)) {
    const generated = flags.privateKeyFile === undefined;
    const keyPair = generated
      ? generateKeyPair(flags.keyAlgorithm, { rsaBits: flags.rsaBits, curve: flags.ecdsaCurve })
      : loadKey(await readFlagFile(flags.privateKeyFile, '--private-key-file'), flags);
    const knownHosts = await scanHostKeys(url, opts);
    return {
      data: {
        identity: keyPair.privateKey,
        'identity.pub': `${keyPair.publicKey}\n`,
        known_hosts: knownHosts,
        ...(flags.password === undefined ? {} : { password: flags.password }),
      },
      ...(generated ? { deployKey: keyPair.publicKey } : {}),
    };
  }
  const data: Record<string, string> = {};
  if (flags.username !== undefined) data['username'] = flags.username;
  if (flags.password !== undefined) data['password'] = flags.password;
  if (flags.bearerToken !== undefined) data['bearerToken'] = flags.bearerToken;
  if (flags.caFile !== undefined)
    data['ca.crt'] = await readFlagFile(flags.caFile, flags.caFlag ?? '--ca-file');
  return { data };
}

function loadKey(text: string, flags: GitCredentialFlags): ReturnType<typeof loadKeyPair> {
  try {
    return loadKeyPair(text, flags.password);
  } catch (err) {
    throw new CliError(
      `--private-key-file ${flags.privateKeyFile ?? ''}: ${err instanceof Error ? err.message : String(err)}.`,
      ExitCode.usage,
    );
  }
}

/** A Secret manifest with readable `stringData` (for --export). */
export function secretManifest(
  name: string,
  namespace: string,
  stringData: Record<string, string>,
  labels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    stringData,
  } as KubeObject;
}

/** The same Secret with base64 `data`, the form server-side apply owns field by field. */
export function secretForApply(secret: KubeObject): KubeObject {
  const { stringData, ...rest } = secret as KubeObject & { stringData?: Record<string, string> };
  const data = Object.fromEntries(
    Object.entries(stringData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
  );
  return { ...rest, type: 'Opaque', data } as KubeObject;
}
