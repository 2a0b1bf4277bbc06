// known_hosts for SSH Git URLs, read from the server with ssh-keyscan as the flux CLI
// does when it creates a deploy key: the controllers never trust a host key on first use.
import { execFile } from 'node:child_process';
import { CliError } from '../context.js';

export interface ScanOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The host and port of an ssh:// URL, as ssh-keyscan takes them. */
export function sshEndpoint(url: URL): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? 22 : Number(url.port) };
}

/** known_hosts lines for every host key the server offers. */
export async function scanHostKeys(url: URL, opts: ScanOptions = {}): Promise<string> {
  const { host, port } = sshEndpoint(url);
  const seconds = Math.max(1, Math.ceil((opts.timeoutMs ?? 30_000) / 1000));
  const result = await new Promise<{ stdout: string; stderr: string; error?: { code?: unknown } }>(
    (resolve) => {
      execFile(
        'ssh-keyscan',
        ['-T', String(seconds), '-p', String(port), host],
        { encoding: 'utf8', ...(opts.signal === undefined ? {} : { signal: opts.signal }) },
        (error, stdout, stderr) => {
          resolve({ stdout, stderr, ...(error === null ? {} : { error }) });
        },
      );
    },
  );
  if (result.error?.code === 'ENOENT') {
    throw new CliError(
      'ssh-keyscan (OpenSSH client) is not installed: install it to read the host keys of SSH Git servers.',
    );
  }
  const lines = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .sort();
  if (lines.length === 0) {
    const why = [
      ...new Set(
        result.stderr
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#')),
      ),
    ].join('; ');
    throw new CliError(
      `could not read the SSH host keys of ${host}:${port} (ssh-keyscan${why === '' ? ' got no answer' : `: ${why}`}); check the host and port of --url.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
