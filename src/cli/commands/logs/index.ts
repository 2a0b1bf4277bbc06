// `tide logs`: the controllers' JSON logs, filtered by the object they concern and
// printed one line per entry. Read from the controller pods in --flux-namespace when
// the controllers are installed in the cluster, else from the log the default run's
// in-process controllers write (<cache>/run/controllers.log), or from --log-file.
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, DEFAULT_NAMESPACE, durationArg, type KubeFlags } from '../../kube/flags.js';
import { sessionSignal } from '../../inspect/cluster.js';
import { formatEntry, type LogEntry, type LogFilter, type LogLevel } from '../../inspect/log-entries.js';
import { closest, kindWords, nounForKindWord } from '../../resources/nouns.js';
import { style } from '../../ui/style.js';
import { chooseSource } from './sources.js';

export interface LogsFlags extends KubeFlags {
  readonly kind?: string;
  readonly name?: string;
  readonly level?: LogLevel;
  readonly follow?: boolean;
  readonly tail?: number;
  /** Milliseconds. */
  readonly since?: number;
  readonly sinceTime?: string;
  readonly allNamespaces?: boolean;
  readonly fluxNamespace: string;
  readonly logFile?: string;
  readonly output?: 'json';
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The entry filter the flags ask for, validated; `now` anchors --since. */
export function logFilter(flags: LogsFlags, now: number): LogFilter {
  if (flags.since !== undefined && flags.sinceTime !== undefined) {
    throw new CliError('give at most one of --since and --since-time', ExitCode.usage);
  }
  let since: number | undefined;
  if (flags.sinceTime !== undefined) {
    since = RFC3339.test(flags.sinceTime) ? Date.parse(flags.sinceTime) : NaN;
    if (Number.isNaN(since)) {
      throw new CliError(
        `--since-time takes an RFC 3339 time such as 2026-01-10T12:00:00Z, got '${flags.sinceTime}'`,
        ExitCode.usage,
      );
    }
  } else if (flags.since !== undefined) {
    since = now - flags.since;
  }
  let kind: string | undefined;
  if (flags.kind !== undefined) {
    const noun = nounForKindWord(flags.kind);
    if (noun === undefined) {
      const near = closest(flags.kind, kindWords());
      throw new CliError(
        `--kind: '${flags.kind}' is not a Tide kind${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`,
        ExitCode.usage,
      );
    }
    kind = noun.kind.kind;
  }
  return {
    ...(flags.level === undefined ? {} : { level: flags.level }),
    ...(kind === undefined ? {} : { kind }),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.allNamespaces === true ? {} : { namespace: flags.namespace }),
    ...(since === undefined ? {} : { since }),
  };
}

function tailArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1)
    throw new InvalidArgumentError(`--tail takes a number of lines (-1: all), got '${value}'.`);
  return n;
}

export function newLogsCommand(ctx: CliContext): Command {
  return addKubeFlags(
    new Command('logs').description("Show the controllers' logs, filtered by the objects they concern"),
  )
    .option('--kind <kind>', 'only entries about objects of this kind, e.g. Kustomization')
    .option('--name <name>', 'only entries about objects of this name')
    .addOption(
      new Option('--level <level>', 'only entries of this level').choices(['debug', 'info', 'error']),
    )
    .option('-f, --follow', 'keep printing new entries until Ctrl-C')
    .option('--tail <lines>', 'start with the last N lines of each log (-1: all)', tailArg)
    .option('--since <duration>', 'only entries newer than this, e.g. 5m', durationArg('--since'))
    .option('--since-time <time>', 'only entries written at or after this RFC 3339 time')
    .option('-A, --all-namespaces', 'entries about objects in every namespace (and the process-level ones)')
    .option('--flux-namespace <namespace>', 'namespace the controllers are installed in', DEFAULT_NAMESPACE)
    .option('--log-file <path>', 'read this JSON log file instead (the in-process controllers write one)')
    .addOption(new Option('-o, --output <format>', 'print the matching entries as written').choices(['json']))
    .action(async (flags: LogsFlags) => {
      const filter = logFilter(flags, Date.now());
      const s = style(ctx);
      const show = (e: LogEntry): void => {
        ctx.output.out(flags.output === 'json' ? e.raw : formatEntry(e, s));
      };
      const source = await chooseSource(ctx, flags);
      const signal = sessionSignal(ctx, flags.follow === true ? undefined : flags.timeout);
      await source.read({ flags, filter, signal, show });
    });
}
