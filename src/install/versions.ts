// The versions of the controllers running in a cluster, read from their
// Deployments' images as `flux version` does.
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import { COMPONENT_LABEL, PART_OF, PART_OF_LABEL } from './labels.js';
import { InstallResources } from './resources.js';

export interface ControllerVersion {
  readonly name: string;
  readonly image: string;
  readonly version: string;
}

/**
 * The version an image reference names: its tag without a leading `v`
 * (`ghcr.io/tide-gitops/tide:v0.1.0` → `0.1.0`); `latest` without a tag, the
 * digest when only a digest pins it.
 */
export function versionFromImage(image: string): string {
  const at = image.indexOf('@');
  const withoutDigest = at < 0 ? image : image.slice(0, at);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) return at < 0 ? 'latest' : image.slice(at + 1);
  const tag = withoutDigest.slice(colon + 1);
  return /^v\d/.test(tag) ? tag.slice(1) : tag;
}

type DeploymentObject = KubeObject<{
  template?: { spec?: { containers?: { name: string; image?: string }[] } };
}>;

export async function controllerVersions(
  client: KubeClient,
  namespace: string,
  signal?: AbortSignal,
): Promise<ControllerVersion[]> {
  const list = await client.list<DeploymentObject>(InstallResources.Deployment, {
    namespace,
    labelSelector: `${PART_OF_LABEL}=${PART_OF}`,
    signal,
  });
  return list.items
    .map((d) => {
      const containers = d.spec?.template?.spec?.containers ?? [];
      const image = (containers.find((c) => c.name === 'manager') ?? containers[0])?.image ?? '';
      const name = d.metadata.labels?.[COMPONENT_LABEL] ?? d.metadata.name;
      return { name, image, version: image === '' ? 'unknown' : versionFromImage(image) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
