// The flags `build kustomization` and `diff kustomization` share (flux's names), and
// running a local build with them: cluster connection unless --dry-run, the renderer
// pool for the duration of the command, progress on a terminal.
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { BuildError, ToolchainError } from '../../gobuild/build.js';
import { Renderer, type RendererOptions } from '../../render/renderer.js';
import { CliError, ExitCode, type CliContext } from '../context.js';
import { kubeFrom, type Kube, type KubeFlags } from '../kube/flags.js';
import { withProgress } from '../ui/progress.js';
import { buildLocal, type BuiltKustomization } from './build.js';

export interface LocalBuildFlags extends KubeFlags {
  readonly path: string;
  readonly kustomizationFile?: string;
  readonly strictSubstitute: boolean;
  readonly ignorePaths: string[];
  readonly recursive: boolean;
  readonly localSources: Map<string, string>;
}

/** Flux's string slices: repeated flags and comma-separated values both accumulate. */
function commaList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

/** `Kind/namespace/name=path[,…]` as flux's --local-sources. */
export function parseLocalSources(
  value: string,
  previous: Map<string, string> | undefined,
): Map<string, string> {
  const out = new Map(previous ?? []);
  for (const item of value.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq);
    const dir = eq < 0 ? '' : item.slice(eq + 1);
    if (key.split('/').length !== 3 || key.split('/').some((p) => p === '') || dir === '') {
      throw new InvalidArgumentError(
        `--local-sources takes Kind/namespace/name=path entries, such as GitRepository/flux-system/repo=./, got '${item}'.`,
      );
    }
    out.set(key, dir);
  }
  return out;
}

export function addLocalBuildFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--path <dir>', 'local folder that matches the Kustomization spec.path')
    .option(
      '--kustomization-file <file>',
      'read the Flux Kustomization from this YAML file instead of the cluster',
    )
    .option('--strict-substitute', 'fail on a variable that is not set and has no default', false)
    .addOption(
      new Option(
        '--ignore-paths <patterns>',
        'files under --path to leave out, in .gitignore format (comma separated)',
      )
        .argParser(commaList)
        .default([], 'none'),
    )
    .option('-r, --recursive', 'also build the Kustomizations the build holds, from local sources', false)
    .addOption(
      new Option(
        '--local-sources <sources>',
        'local folders of sources for --recursive: Kind/namespace/name=path (comma separated)',
      )
        .argParser(parseLocalSources)
        .default(
          new Map<string, string>(),
          "the Kustomization's own source: the folder spec.path leads down from to --path",
        ),
    );
}

export interface LocalBuildRun {
  readonly flags: LocalBuildFlags;
  readonly name: string;
  readonly dryRun: boolean;
  readonly ignoreNotFound?: boolean;
  /** Progress on stderr (a terminal); off for non-terminals whatever the flag says. */
  readonly progress: boolean;
}

/** The renderer pool; a missing Go toolchain (first use builds the helper) is a CLI error. */
async function startRenderer(opts: RendererOptions): Promise<Renderer> {
  try {
    return await Renderer.start(opts);
  } catch (err) {
    if (err instanceof ToolchainError) throw new CliError(err.message, ExitCode.toolchainMissing);
    if (err instanceof BuildError)
      throw new CliError(`building the tide-render helper failed: ${err.message}`);
    throw err;
  }
}

/** Runs fn with a spinner when enabled and stderr is a terminal (never `◎` lines in logs). */
export function maybeProgress<R>(
  ctx: CliContext,
  enabled: boolean,
  message: string,
  fn: () => Promise<R>,
): Promise<R> {
  return enabled && ctx.output.isTTY ? withProgress(ctx, message, fn) : fn();
}

/** Connects (unless dry-run), builds, and hands the result and the connection to `then`. */
export async function runLocalBuild<T>(
  ctx: CliContext,
  run: LocalBuildRun,
  then: (built: BuiltKustomization[], kube: Kube | undefined, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { flags } = run;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(flags.timeout)]);
  const kube = run.dryRun ? undefined : await kubeFrom(ctx, flags);
  const progress = <R>(message: string, fn: () => Promise<R>): Promise<R> =>
    maybeProgress(ctx, run.progress, message, fn);
  let told = false;
  const renderer = await progress('starting the renderer', () =>
    startRenderer({
      cacheDir: ctx.cacheDir,
      processes: 1,
      // Only the first use builds it, which takes minutes: say so once, terminal or not.
      onBuildProgress: () => {
        if (told) return;
        told = true;
        ctx.output.err('◎ building the tide-render helper (first use; cached afterwards)');
      },
    }),
  );
  try {
    const built = await progress(`building Kustomization ${flags.namespace}/${run.name}`, () =>
      buildLocal({
        name: run.name,
        namespace: flags.namespace,
        dir: flags.path,
        kustomizationFile: flags.kustomizationFile,
        dryRun: run.dryRun,
        strictSubstitute: flags.strictSubstitute,
        ignorePaths: flags.ignorePaths,
        recursive: flags.recursive,
        localSources: flags.localSources,
        ...(run.ignoreNotFound === undefined ? {} : { ignoreNotFound: run.ignoreNotFound }),
        client: kube?.client,
        renderer,
        signal,
        timeoutMs: flags.timeout,
        cwd: process.cwd(),
        note: (line) => {
          ctx.output.err(`◎ ${line}`);
        },
      }),
    );
    return await then(built, kube, signal);
  } finally {
    await renderer.close();
  }
}
