// `tide tree kustomization <name>` (and helmrelease, artifact generator): the objects
// a Flux object applied, with nested Kustomizations and HelmReleases expanded.
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { ArtifactGeneratorKind } from '../../../api/sourceextensions/artifactgenerator.js';
import { HelmReleaseKind } from '../../../api/helm/helmrelease.js';
import { KustomizationKind } from '../../../api/kustomize/kustomization.js';
import type { KindDefinition } from '../../../api/crd.js';
import type { CliContext } from '../../context.js';
import { addKubeFlags, type KubeFlags } from '../../kube/flags.js';
import { findFluxObject, getFluxObject, openSession } from '../../inspect/cluster.js';
import { buildTree, renderTree, treeDocument } from '../../inspect/inventory-tree.js';
import { nounForKind } from '../../resources/nouns.js';

interface TreeFlags extends KubeFlags {
  readonly compact?: boolean;
  readonly output?: 'json' | 'yaml';
}

export function newTreeCommand(ctx: CliContext): Command {
  return new Command('tree')
    .description('Show the objects a Kustomization manages, as a tree')
    .addCommand(
      treeCommand(ctx, 'kustomization', KustomizationKind, ['ks']).description(
        "Print a Kustomization's inventory, nested Kustomizations and HelmReleases expanded",
      ),
    )
    .addCommand(
      treeCommand(ctx, 'helmrelease', HelmReleaseKind, ['hr']).description("Print a HelmRelease's inventory"),
    )
    .addCommand(
      new Command('artifact')
        .description('Trees of artifact kinds')
        .addCommand(
          treeCommand(ctx, 'generator', ArtifactGeneratorKind, []).description(
            'Print the ExternalArtifacts an ArtifactGenerator produces',
          ),
        ),
    );
}

function treeCommand(ctx: CliContext, word: string, kind: KindDefinition, aliases: string[]): Command {
  return addKubeFlags(new Command(word).aliases(aliases).argument('<name>', `name of the ${kind.kind}`))
    .option('--compact', 'list Flux objects only')
    .addOption(
      new Option('-o, --output <format>', 'print the tree as nested objects').choices(['json', 'yaml']),
    )
    .action(async (name: string, flags: TreeFlags) => {
      const noun = nounForKind(kind.kind);
      if (noun === undefined) throw new Error(`no noun for ${kind.kind}`);
      const s = await openSession(ctx, flags);
      const root = await getFluxObject(s, noun, name, flags.namespace);
      const tree = await buildTree(root, (m) => findFluxObject(s, m.kind, m.name, m.namespace), {
        compact: flags.compact === true,
      });
      if (flags.output === 'json') ctx.output.out(JSON.stringify(treeDocument(tree), null, 2));
      else if (flags.output === 'yaml') ctx.output.outWrite(stringify(treeDocument(tree)));
      else for (const line of renderTree(tree)) ctx.output.out(line);
    });
}
