import { spawn, type ChildProcess } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** CGI scripts put a small header block first; anything larger means a broken script. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface CgiHead {
  status: number;
  statusMessage: string | undefined;
  headers: [string, string][];
}

export interface CgiInvocation {
  script: string;
  env: Record<string, string>;
  body: Readable;
  response: ServerResponse;
  onSpawn: (child: ChildProcess) => void;
}

/**
 * Runs a CGI script for one request, streaming the request body to its stdin and its output
 * (after the CGI header block) to the response. Resolves once the response is over, however it
 * ended; failures to produce a response become 502s.
 */
export function runCgi(invocation: CgiInvocation): Promise<void> {
  const { response } = invocation;
  const child = spawn(invocation.script, [], { env: invocation.env, stdio: 'pipe' });
  invocation.onSpawn(child);
  // The backend may answer (e.g. with an error) without reading the whole body.
  child.stdin.on('error', () => undefined);
  invocation.body.pipe(child.stdin);
  child.stderr.resume(); // diagnostics are not forwarded: they are the server's business
  child.on('error', () => {
    failResponse(response, 'git-http-backend could not be started');
  });
  response.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  readHead(child.stdout)
    .then(({ head, rest }) => {
      // Throws for header names/values Node considers invalid; handled below like a bad head.
      response.writeHead(head.status, head.statusMessage, head.headers.flat());
      response.write(rest);
      child.stdout.pipe(response);
    })
    .catch(() => {
      failResponse(response, 'git-http-backend produced no valid response');
    });
  return new Promise((resolve) => {
    response.once('close', resolve);
  });
}

/** May be reached twice (spawn error, then stdout end); a second end() would emit 'error'. */
function failResponse(response: ServerResponse, message: string): void {
  if (response.writableEnded) return;
  if (!response.headersSent) {
    response.writeHead(502, { 'Content-Type': 'text/plain' });
  }
  response.end(`${message}\n`);
}

/** Reads up to the end of the CGI header block; the remainder is the start of the body. */
function readHead(stdout: Readable): Promise<{ head: CgiHead; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = headEnd(buffered);
      if (end === undefined) {
        if (buffered.length > MAX_HEAD_BYTES) fail();
        return;
      }
      cleanup();
      stdout.pause();
      resolve({
        head: parseCgiHead(buffered.toString('latin1', 0, end.headLength)),
        rest: buffered.subarray(end.bodyStart),
      });
    };
    const fail = (): void => {
      cleanup();
      reject(new Error('incomplete CGI response head'));
    };
    const cleanup = (): void => {
      stdout.off('data', onData);
      stdout.off('end', fail);
    };
    stdout.on('data', onData);
    stdout.on('end', fail);
  });
}

function headEnd(buffer: Buffer): { headLength: number; bodyStart: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    return { headLength: crlf, bodyStart: crlf + 4 };
  }
  return lf >= 0 ? { headLength: lf, bodyStart: lf + 2 } : undefined;
}

/** Parses CGI response headers; `Status:` sets the HTTP status and is not passed on. */
export function parseCgiHead(text: string): CgiHead {
  const head: CgiHead = { status: 200, statusMessage: undefined, headers: [] };
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        head.status = Number(match[1]);
        head.statusMessage = match[2] === '' ? undefined : match[2];
      }
    } else {
      head.headers.push([name, value]);
    }
  }
  return head;
}
