// `tide version`: the CLI's version and, from the cluster, the controllers' (their
// Deployments' images), as `flux version`.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { controllerVersions, type ControllerVersion } from '../../../install/versions.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { Deadline } from '../install/deadline.js';

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

interface VersionFlags extends KubeFlags {
  readonly client: boolean;
  readonly output?: 'yaml' | 'json';
}

export function newVersionCommand(ctx: CliContext): Command {
  const cmd = new Command('version')
    .description('Print the tide version and the versions of the controllers in the cluster')
    .addOption(new Option('--client', 'only the CLI version, without asking the cluster').default(false))
    .addOption(new Option('-o, --output <format>', 'print as yaml or json').choices(['yaml', 'json']));
  addKubeFlags(cmd, { timeout: '30s' }).action(async (flags: VersionFlags) => {
    await runVersion(ctx, flags);
  });
  return cmd;
}

async function runVersion(ctx: CliContext, flags: VersionFlags): Promise<void> {
  const client = cliVersion();
  let controllers: ControllerVersion[] = [];
  let failure: CliError | undefined;
  if (!flags.client) {
    try {
      const kube = await kubeFrom(ctx, flags);
      const deadline = new Deadline(ctx, kube.timeoutMs, 'reading the controller versions');
      controllers = await deadline.run((signal) => controllerVersions(kube.client, flags.namespace, signal));
      if (controllers.length === 0) {
        ctx.output.err(
          `◎ no Tide controllers in the ${flags.namespace} namespace (install them with tide install)`,
        );
      }
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      if (err.exitCode === ExitCode.noCluster) {
        ctx.output.err('◎ no cluster configured: only the client version is shown');
      } else {
        failure = new CliError(
          `cannot read the controller versions: ${err.message}\n  (--client prints the client version without asking the cluster)`,
          err.exitCode,
        );
      }
    }
  }
  print(ctx, flags.output, client, controllers);
  if (failure !== undefined) throw failure;
}

function print(
  ctx: CliContext,
  format: VersionFlags['output'],
  client: string,
  controllers: readonly ControllerVersion[],
): void {
  if (format !== undefined) {
    // Flux's shape: one key per program, the version as the value.
    const doc = Object.fromEntries([
      ['tide', client],
      ...controllers.map((c) => [c.name, c.version]),
    ]) as Record<string, string>;
    ctx.output.outWrite(format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc));
    return;
  }
  ctx.output.out(`tide ${client}`);
  for (const c of controllers) ctx.output.out(`${c.name} ${c.version} (${c.image})`);
}
