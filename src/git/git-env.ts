// The environment git runs in, built from scratch: a private HOME, no system or global config,
// no prompts, C locale, only PATH inherited. Credentials are passed as GIT_CONFIG_* entries
// (never argv) and as 0600 files in the operation's temp dir (CA, client cert and key, SSH
// identity, known_hosts, passphrase).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitInvalidInputError } from './errors.js';
import type { GitAuth, ProxyConfig } from './types.js';

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Environment for git on a local repository: no network transports, no lazy fetches. */
export function localGitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_NO_LAZY_FETCH: '1',
    LANG: 'C',
    LC_ALL: 'C',
  };
}

/** Environment for one remote operation; files go into `dir`, the operation's private temp dir. */
export async function prepareEnvironment(
  dir: string,
  url: string,
  auth: GitAuth,
  proxy: ProxyConfig | undefined,
): Promise<Record<string, string>> {
  const home = join(dir, 'home');
  await mkdir(home, { mode: 0o700 });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    // Submodules too: no file://, ext:: or git:// transports.
    GIT_ALLOW_PROTOCOL: 'http:https:ssh',
    LANG: 'C',
    LC_ALL: 'C',
  };
  const config: [string, string][] = [
    ['protocol.version', '2'],
    ['core.hooksPath', '/dev/null'],
    ['init.defaultBranch', 'master'],
    ['advice.detachedHead', 'false'],
  ];
  if (auth.kind === 'ssh') {
    Object.assign(env, await sshEnvironment(dir, auth));
  } else {
    config.push(...(await httpConfig(dir, url, auth)));
    if (proxy !== undefined) {
      config.push(['http.proxy', proxyUrl(proxy, url)]);
      // Send proxy credentials up front, as Go's transport (and so Flux) does, rather than
      // probing without them first.
      if (proxy.username !== undefined) config.push(['http.proxyAuthMethod', 'basic']);
    }
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * HTTP settings scoped to the repository's origin (`http.<origin>.*`), so credentials and the
 * custom CA are not offered to other hosts, e.g. a submodule on a public forge.
 */
async function httpConfig(dir: string, url: string, auth: GitAuth): Promise<[string, string][]> {
  const parsed = new URL(url);
  const scope = `http.${parsed.protocol}//${parsed.host}/`;
  const config: [string, string][] = [];
  if (auth.kind === 'basic') {
    const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    config.push([`${scope}.extraHeader`, `Authorization: Basic ${encoded}`]);
  } else if (auth.kind === 'bearer') {
    config.push([`${scope}.extraHeader`, `Authorization: Bearer ${auth.token}`]);
  }
  const tls = auth.tls;
  if (tls?.caCert !== undefined) {
    config.push([`${scope}.sslCAInfo`, await writePrivate(dir, 'ca.crt', tls.caCert)]);
  }
  if (tls?.clientCert !== undefined && tls.clientKey !== undefined) {
    config.push([`${scope}.sslCert`, await writePrivate(dir, 'tls.crt', tls.clientCert)]);
    config.push([`${scope}.sslKey`, await writePrivate(dir, 'tls.key', tls.clientKey)]);
  }
  return config;
}

function proxyUrl(proxy: ProxyConfig, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(proxy.address.includes('://') ? proxy.address : `http://${proxy.address}`);
  } catch {
    throw new GitInvalidInputError('the proxy address is not a valid URL', { operation: 'connect', url });
  }
  if (proxy.username !== undefined) parsed.username = encodeURIComponent(proxy.username);
  if (proxy.password !== undefined) parsed.password = encodeURIComponent(proxy.password);
  return parsed.toString();
}

async function sshEnvironment(
  dir: string,
  auth: Extract<GitAuth, { kind: 'ssh' }>,
): Promise<Record<string, string>> {
  const identity = await writePrivate(dir, 'identity', withTrailingNewline(auth.identity));
  const knownHosts = await writePrivate(dir, 'known_hosts', withTrailingNewline(auth.knownHosts));
  const env: Record<string, string> = {};
  // BatchMode would also refuse to ask for the identity's passphrase.
  let batchMode = 'yes';
  if (auth.password !== undefined) {
    // ssh reads the passphrase from an askpass program; it prints a 0600 file, so the passphrase
    // is neither in argv nor in the environment.
    const passphrase = await writePrivate(dir, 'passphrase', `${auth.password}\n`);
    const askpass = join(dir, 'askpass');
    await writeFile(askpass, `#!/bin/sh\nexec cat ${shellQuote(passphrase)}\n`, { mode: 0o700, flag: 'wx' });
    Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: 'none' });
    batchMode = 'no';
  }
  env.GIT_SSH_VARIANT = 'ssh';
  env.GIT_SSH_COMMAND = [
    'ssh -F /dev/null',
    `-i ${shellQuote(identity)}`,
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    `-o UserKnownHostsFile=${shellQuote(knownHosts)}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o StrictHostKeyChecking=yes',
    '-o UpdateHostKeys=no',
    `-o BatchMode=${batchMode}`,
    '-o PreferredAuthentications=publickey',
    '-o NumberOfPasswordPrompts=1',
    '-o ControlMaster=no',
    '-o ControlPath=none',
    '-o LogLevel=ERROR',
  ].join(' ');
  return env;
}

/** Writes a 0600 file that must not exist yet (the dir is fresh; `wx` refuses any planted file). */
async function writePrivate(dir: string, name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600, flag: 'wx' });
  return path;
}

/** OpenSSH rejects a key file without a final newline ("invalid format"), and CRLF. */
function withTrailingNewline(text: string): string {
  const unix = text.replace(/\r\n/g, '\n');
  return unix.endsWith('\n') ? unix : `${unix}\n`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}
