import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addKubeFlags } from '../../kube/flags.js';
import { addLocalBuildFlags, runLocalBuild, type LocalBuildFlags } from '../../local/flags.js';
import { toYamlStream } from '../../local/yaml.js';

interface BuildFlags extends LocalBuildFlags {
  readonly dryRun: boolean;
}

export function newBuildKustomizationCommand(ctx: CliContext): Command {
  const cmd = new Command('kustomization')
    .alias('ks')
    .description(
      'Build the local folder as the controller would for the Kustomization <name>: its spec ' +
        '(targetNamespace, namePrefix/Suffix, patches, images, components, commonMetadata), ' +
        'post-build substitution and owner labels; multi-document YAML on stdout',
    )
    .argument('<name>', 'name of the Flux Kustomization (read from the cluster unless --kustomization-file)')
    .option(
      '--dry-run',
      'do not connect to the cluster (needs --kustomization-file; substituteFrom is skipped)',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  tide build kustomization my-app --path ./path/to/local/manifests
  tide build kustomization my-app --path ./manifests --kustomization-file ./my-app.yaml --dry-run
  tide build kustomization my-app --path ./manifests --ignore-paths "/to_ignore/**/*.yaml,ignore.yaml"`,
    );
  addLocalBuildFlags(cmd);
  addKubeFlags(cmd);
  return cmd.action(async (name: string, flags: BuildFlags) => {
    const built = await runLocalBuild(ctx, { flags, name, dryRun: flags.dryRun, progress: true }, (units) =>
      Promise.resolve(units),
    );
    ctx.output.outWrite(toYamlStream(built.flatMap((b) => b.objects)));
  });
}
