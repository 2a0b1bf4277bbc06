// Where `tide logs` reads: --log-file; else the controller pods in --flux-namespace;
// else the log the default run's in-process controllers write.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { transportFromKubeConfig } from '../../../runtime/client/transport.js';
import { CliError, type CliContext } from '../../context.js';
import { kubeFrom, type Kube } from '../../kube/flags.js';
import { apiFailure, sessionSignal } from '../../inspect/cluster.js';
import {
  byTime,
  entryMatches,
  parseLogLine,
  type LogEntry,
  type LogFilter,
} from '../../inspect/log-entries.js';
import { tailFile } from '../../inspect/log-file.js';
import {
  CONTROLLER_SELECTOR,
  controllerPods,
  streamPodLog,
  type ControllerPod,
} from '../../inspect/pod-logs.js';
import type { LogsFlags } from './index.js';

/** Where the default run's in-process controllers write their JSON log. */
export function inProcessLogFile(cacheDir: string): string {
  return path.join(cacheDir, 'run', 'controllers.log');
}

export interface ReadRequest {
  readonly flags: LogsFlags;
  readonly filter: LogFilter;
  readonly signal: AbortSignal;
  readonly show: (e: LogEntry) => void;
}

export interface LogSource {
  read(req: ReadRequest): Promise<void>;
}

/** Collects the entries that match (sorted across logs at the end), or prints them as they come. */
function sink(req: ReadRequest): { line(text: string): void; flush(): void } {
  const held: LogEntry[] = [];
  return {
    line(text) {
      const e = parseLogLine(text);
      if (e === undefined || !entryMatches(e, req.filter)) return;
      if (req.flags.follow === true) req.show(e);
      else held.push(e);
    },
    flush() {
      for (const e of byTime(held)) req.show(e);
    },
  };
}

function fileSource(file: string): LogSource {
  return {
    async read(req) {
      const out = sink(req);
      const tail = req.flags.tail === undefined || req.flags.tail < 0 ? undefined : req.flags.tail;
      try {
        await tailFile(
          file,
          { ...(tail === undefined ? {} : { tail }), follow: req.flags.follow === true, signal: req.signal },
          (l) => {
            out.line(l);
          },
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw new CliError(`log file ${file} does not exist`);
        throw err;
      }
      out.flush();
    },
  };
}

function podSource(flags: LogsFlags, pods: readonly ControllerPod[], kube: Kube): LogSource {
  return {
    async read(req) {
      const transport = await transportFromKubeConfig(kube.config);
      const out = sink(req);
      const since = flags.since === undefined ? undefined : Math.max(1, Math.ceil(flags.since / 1000));
      await Promise.all(
        pods.map((pod) =>
          streamPodLog(
            transport,
            kube.client,
            pod,
            {
              follow: flags.follow === true,
              ...(flags.tail === undefined || flags.tail < 0 ? {} : { tailLines: flags.tail }),
              ...(since === undefined ? {} : { sinceSeconds: since }),
              ...(flags.sinceTime === undefined
                ? {}
                : { sinceTime: new Date(Date.parse(flags.sinceTime)).toISOString() }),
              signal: req.signal,
            },
            (l) => {
              out.line(l);
            },
          ).catch((err: unknown) => {
            throw apiFailure(err, `reading the log of pod ${pod.namespace}/${pod.name}`, {
              signal: req.signal,
              server: kube.client.server,
            });
          }),
        ),
      );
      out.flush();
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** --log-file; else the controller pods in the cluster; else the in-process controllers' log. */
export async function chooseSource(ctx: CliContext, flags: LogsFlags): Promise<LogSource> {
  if (flags.logFile !== undefined) return fileSource(flags.logFile);
  const local = inProcessLogFile(ctx.cacheDir);
  let clusterProblem: string;
  try {
    const kube = await kubeFrom(ctx, flags);
    const signal = sessionSignal(ctx, flags.timeout);
    const found = await controllerPods(kube.client, flags.fluxNamespace, signal).catch((err: unknown) => {
      throw apiFailure(err, `listing the controller Deployments in ${flags.fluxNamespace}`, {
        signal,
        server: kube.client.server,
      });
    });
    if (found.pods.length > 0) return podSource(flags, found.pods, kube);
    clusterProblem =
      found.deployments.length > 0
        ? `the controller Deployments in ${flags.fluxNamespace} (${found.deployments.join(', ')}) have no pods`
        : `no Deployment labelled ${CONTROLLER_SELECTOR} in namespace ${flags.fluxNamespace}`;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    clusterProblem = err.message.split('\n')[0] ?? err.message;
  }
  if (await exists(local)) {
    ctx.output.err(`reading the in-process controllers' log ${local} (${clusterProblem})`);
    return fileSource(local);
  }
  throw new CliError(
    `no controller logs found: ${clusterProblem}, and no in-process controllers' log at ${local}.\n` +
      '  Install the controllers (tide install), name their namespace with --flux-namespace, run them in-process (tide), or pass --log-file.',
  );
}
