// `tide controller`: the controller process, what the container image runs. One process
// runs the chosen controllers (default: source and kustomize) until SIGTERM or SIGINT,
// then drains within --graceful-shutdown-timeout. Logs are JSON lines on stderr.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { createLogger } from '../../../runtime/log/logger.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { closest } from '../../resources/nouns.js';
import { cliVersion } from '../version/index.js';
import { controllerFailure } from './errors.js';
import { addControllerFlags, controllerConfigFrom, type ControllerConfig } from './flags.js';
import { controllerKubeConfig } from './kubeconfig.js';

export function newControllerCommand(ctx: CliContext): Command {
  return (
    addControllerFlags(
      new Command('controller')
        .description('Run the Tide controllers (source, kustomize) against a cluster until SIGTERM')
        .addHelpText(
          'after',
          `
Flux's controller flags keep their names and defaults. With both controllers in one process
the client budget defaults to the sum of Flux's two (--kube-api-qps 100, --kube-api-burst 600).
Environment: RUNTIME_NAMESPACE (Lease, --sops-age-secret, --watch-all-namespaces=false;
default flux-system), STORAGE_PATH, STORAGE_ADDRESS, STORAGE_ADV_ADDR, HOSTNAME,
TIDE_RENDER_BINARY (a prebuilt tide-render; otherwise it is built with Go).

Examples:
  tide controller --kubeconfig ~/.kube/config --storage-path /tmp/tide-data
  tide controller --controllers=kustomize --watch-all-namespaces=true --enable-leader-election`,
        ),
    )
      // Commander suggests nothing for `--flag=value`, the form Flux's manifests use: unknown
      // flags are collected and refused here, with a suggestion either way.
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (_flags: unknown, cmd: Command) => {
        refuseUnknownArguments(cmd);
        await runController(ctx, readConfig(ctx, cmd));
      })
  );
}

function refuseUnknownArguments(cmd: Command): void {
  const first = cmd.args[0];
  if (first === undefined) return;
  if (!first.startsWith('-')) {
    throw new CliError(
      `tide controller takes no arguments, got '${first}'; see tide controller --help.`,
      ExitCode.usage,
    );
  }
  const word = (first.split('=')[0] ?? first).replace(/^-+/, '');
  const flags = cmd.options.flatMap((o) => (o.long === undefined ? [] : [o.long.slice(2)]));
  const near = closest(word, flags).map((f) => `--${f}`);
  throw new CliError(
    `unknown flag '${first}'${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}; see tide controller --help.`,
    ExitCode.usage,
  );
}

/** Flag values that commander accepted but that do not fit together are usage errors too. */
function readConfig(ctx: CliContext, cmd: Command): ControllerConfig {
  try {
    return controllerConfigFrom(cmd, ctx.env, os.hostname());
  } catch (err) {
    if (err instanceof CommanderError) throw new CliError(err.message, ExitCode.usage);
    throw err;
  }
}

async function runController(ctx: CliContext, config: ControllerConfig): Promise<void> {
  if (config.rendererBinary !== undefined && !existsSync(config.rendererBinary)) {
    throw new CliError(
      `TIDE_RENDER_BINARY=${config.rendererBinary}: no such file; unset it to build tide-render from renderer/ with Go.`,
    );
  }
  const kubeConfig = controllerKubeConfig(ctx, config.kubeconfig);
  const logger = createLogger({
    level: config.manager.logLevel,
    write: (line) => {
      ctx.output.err(line);
    },
  });
  logger.info('starting tide controller', {
    version: cliVersion(),
    controllers: config.controllers,
    runtimeNamespace: config.manager.runtimeNamespace,
    server: kubeConfig.getCurrentCluster().server,
  });
  try {
    // Loaded here, not at the top: every other command would load both controllers too.
    const { startControllers } = await import('../../../controllers/run.js');
    const handle = await startControllers({
      kubeConfig,
      controllers: config.controllers,
      manager: config.manager,
      source: config.source,
      kustomize: config.kustomize,
      renderer: { binary: config.rendererBinary },
      cacheDir: ctx.cacheDir,
      logger,
      signal: ctx.signal,
    });
    const exit = await handle.done;
    if (exit.reason === 'leadership-lost') {
      // As Flux's controllers do: exit, so the Deployment restarts the process as a candidate.
      throw new CliError(`leader election lost: ${exit.message}`, ExitCode.failure);
    }
  } catch (err) {
    const failure = controllerFailure(err, config);
    logger.error('tide controller failed', { error: failure });
    throw failure;
  }
}
