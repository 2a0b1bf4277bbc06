// What a Kustomization's build takes from the object and the cluster, shared by the
// controller's build step and the CLI's `tide build` / `tide diff` (which must render
// exactly what the controller applies): the spec fields that shape the Kustomize build,
// postBuild.substituteFrom data, and the owner labels every object gets.
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import type { RenderedObject } from '../../../render/kustomization.js';
import type { KustomizeSpec } from '../../../render/types.js';
import { OwnerLabel } from './names.js';

interface DataObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
}

export function kustomizeSpec(obj: Kustomization): KustomizeSpec {
  const s = obj.spec;
  if (s === undefined) return {};
  return {
    ...(s.targetNamespace === undefined ? {} : { targetNamespace: s.targetNamespace }),
    ...(s.namePrefix === undefined ? {} : { namePrefix: s.namePrefix }),
    ...(s.nameSuffix === undefined ? {} : { nameSuffix: s.nameSuffix }),
    ...(s.patches === undefined ? {} : { patches: s.patches }),
    ...(s.images === undefined ? {} : { images: s.images }),
    ...(s.components === undefined ? {} : { components: s.components }),
    ...(s.ignoreMissingComponents === undefined
      ? {}
      : { ignoreMissingComponents: s.ignoreMissingComponents }),
    ...(s.commonMetadata === undefined ? {} : { commonMetadata: s.commonMetadata }),
    ...(s.buildMetadata === undefined ? {} : { buildMetadata: s.buildMetadata }),
  };
}

/** postBuild.substituteFrom: a ConfigMap's data or a Secret's decoded data, in the owner's namespace; undefined when absent. */
export async function readSubstituteData(
  client: KubeClient,
  owner: Kustomization,
  kind: string,
  name: string,
  signal: AbortSignal,
): Promise<Readonly<Record<string, string>> | undefined> {
  const namespace = owner.metadata.namespace ?? '';
  const resource = kind === 'Secret' ? CoreResources.Secret : CoreResources.ConfigMap;
  try {
    const found = await client.get<DataObject>(resource, name, namespace, signal);
    const data = found.data ?? {};
    if (kind !== 'Secret') return data;
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The owner labels (`kustomize.toolkit.fluxcd.io/name|namespace`) that guard pruning. */
export function withOwnerLabels(o: RenderedObject, owner: Kustomization): RenderedObject {
  const labels = (o.metadata.labels ?? {}) as Record<string, string>;
  return {
    ...o,
    metadata: {
      ...o.metadata,
      labels: {
        ...labels,
        [OwnerLabel.name]: owner.metadata.name,
        [OwnerLabel.namespace]: owner.metadata.namespace ?? '',
      },
    },
  };
}
