// `tide export <noun> [name...] | --all`: clean manifests of live objects, what a user
// commits to Git; `export source … --with-credentials` adds the Secrets they reference.
import { Command } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { CliError, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { credentialSecretNames, exportObject } from '../../resources/export.js';
import { getObject, listObjects, nameOrAll } from '../../resources/lookup.js';
import { yamlDocuments } from '../../resources/manifest-yaml.js';
import { addNounCommands } from '../../resources/noun-commands.js';
import type { Noun } from '../../resources/nouns.js';
import { sortObjects } from '../../resources/status-table.js';

interface ExportFlags extends KubeFlags {
  readonly all?: boolean;
  readonly withCredentials?: boolean;
}

export function newExportCommand(ctx: CliContext): Command {
  return addNounCommands(new Command('export').description('Print Flux objects as clean YAML'), {
    describe: (noun) => `Print ${noun.kind.kind} objects as clean YAML`,
    leaf: (cmd, noun) => {
      addKubeFlags(cmd.argument('[names...]', 'the objects to export')).option(
        '--all',
        'export every object of the namespace',
      );
      if (noun.source) cmd.option('--with-credentials', 'also export the Secrets the sources reference');
      cmd.action(async (names: string[], flags: ExportFlags) => {
        await exportNoun(ctx, noun, names, flags);
      });
    },
  });
}

async function exportNoun(ctx: CliContext, noun: Noun, names: string[], flags: ExportFlags): Promise<void> {
  nameOrAll(`export ${noun.words.join(' ')}`, names, flags.all);
  const { client } = await kubeFrom(ctx, flags);
  const objects =
    flags.all === true
      ? sortObjects(await listObjects(client, noun, { namespace: flags.namespace, signal: ctx.signal }))
      : await Promise.all(names.map((n) => getObject(client, noun, n, flags.namespace, ctx.signal)));
  if (objects.length === 0) {
    ctx.output.err(`no ${noun.kind.kind} objects found in ${flags.namespace} namespace`);
    return;
  }
  const docs: KubeObject[] = [];
  const secretsDone = new Set<string>();
  for (const obj of objects) {
    if (flags.withCredentials === true) {
      for (const secret of await referencedSecrets(ctx, client, obj, secretsDone)) docs.push(secret);
    }
    docs.push(exportObject(obj));
  }
  ctx.output.outWrite(yamlDocuments(docs));
}

/** The Secrets an object references, each once per run; a missing one is an error naming it. */
async function referencedSecrets(
  ctx: CliContext,
  client: KubeClient,
  obj: KubeObject,
  done: Set<string>,
): Promise<KubeObject[]> {
  const namespace = obj.metadata.namespace ?? '';
  const out: KubeObject[] = [];
  for (const name of credentialSecretNames(obj)) {
    if (done.has(`${namespace}/${name}`)) continue;
    done.add(`${namespace}/${name}`);
    try {
      out.push(exportObject(await client.get(CoreResources.Secret, name, namespace, ctx.signal)));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new CliError(
        `${obj.kind} ${namespace}/${obj.metadata.name} references Secret '${name}', which does not exist in namespace ${namespace}.`,
      );
    }
  }
  return out;
}
