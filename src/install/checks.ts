// The cluster half of `tide check`: the prerequisites of an install (API server,
// Kubernetes version, the caller's permissions) and the health of one (CRDs
// established, controller Deployments rolled out).
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import { isNotFound } from '../runtime/client/errors.js';
import { crdNotEstablished } from './apply.js';
import {
  failed,
  info,
  kubernetesVersionEntry,
  ok,
  type CheckEntry,
  type CheckSection,
} from './check-report.js';
import { crdNamesOf } from './components.js';
import { generateManifests } from './manifests.js';
import { defaultInstallOptions, type Component } from './options.js';
import { waitForDeployments } from './readiness.js';
import { InstallResources, resourceOfKind } from './resources.js';

export interface CheckTarget {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly components: readonly Component[];
  readonly signal: AbortSignal;
}

/**
 * The API server answers and runs a supported Kubernetes; with `permissions`, the
 * caller may also install (a pre-install question: checking an installation needs
 * only read access).
 */
export async function prerequisites(
  target: CheckTarget,
  opts: { readonly permissions: boolean },
): Promise<CheckSection> {
  const title = 'prerequisites';
  let gitVersion: string;
  try {
    const version = (await target.client.request({ path: '/version', signal: target.signal })) as {
      gitVersion?: string;
    };
    gitVersion = version.gitVersion ?? '';
  } catch (err) {
    return {
      title,
      entries: [failed(`cannot reach the API server at ${target.client.server.origin}: ${messageOf(err)}`)],
    };
  }
  const entries = [kubernetesVersionEntry(gitVersion)];
  if (opts.permissions) entries.push(...(await permissions(target)));
  return { title, entries };
}

interface Permission {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** What installing needs: create and patch every kind of the manifests, and binding cluster-admin. */
export function permissionsNeeded(namespace: string, components: readonly Component[]): Permission[] {
  const objects = generateManifests({ ...defaultInstallOptions('0.0.0'), namespace, components });
  const kinds = [...new Set(objects.map((o) => o.kind))];
  const needed: Permission[] = kinds.flatMap((kind) => {
    const res = resourceOfKind(kind);
    return ['create', 'patch'].map((verb) => ({
      verb,
      group: res.group,
      resource: res.plural,
      ...(res.namespaced ? { namespace } : {}),
    }));
  });
  // A binding to a role needs the role's permissions or `bind` on it (RBAC escalation rules).
  if (components.includes('kustomize-controller')) {
    needed.push({
      verb: 'bind',
      group: 'rbac.authorization.k8s.io',
      resource: 'clusterroles',
      name: 'cluster-admin',
    });
  }
  return needed;
}

function permissionText(p: Permission): string {
  const what = p.group === '' ? p.resource : `${p.resource}.${p.group}`;
  const name = p.name === undefined ? '' : ` ${p.name}`;
  return `${p.verb} ${what}${name}${p.namespace === undefined ? '' : ` in namespace ${p.namespace}`}`;
}

async function permissions(target: CheckTarget): Promise<CheckEntry[]> {
  const needed = permissionsNeeded(target.namespace, target.components);
  const denied: CheckEntry[] = [];
  for (const p of needed) {
    try {
      const review = (await target.client.request({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { ...p } },
        },
        signal: target.signal,
      })) as { status?: { allowed?: boolean; reason?: string } };
      if (review.status?.allowed !== true) {
        const reason =
          review.status?.reason === undefined || review.status.reason === ''
            ? ''
            : `: ${review.status.reason}`;
        denied.push(failed(`not allowed to ${permissionText(p)}${reason}`));
      }
    } catch (err) {
      denied.push(failed(`cannot check whether you may ${permissionText(p)}: ${messageOf(err)}`));
    }
  }
  if (denied.length > 0) return denied;
  return [
    ok(
      `permissions to install (${String(needed.length)} checks: create and patch each kind, bind cluster-admin)`,
    ),
  ];
}

export interface ControllerCheckOptions extends CheckTarget {
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/** Waits (up to the timeout) for every controller Deployment, then reports each with its image. */
export async function controllers(opts: ControllerCheckOptions): Promise<CheckSection> {
  const report = await waitForDeployments({
    client: opts.client,
    namespace: opts.namespace,
    names: opts.components,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    pollMs: opts.pollMs,
  });
  const unhealthy = new Map(report.unhealthy.map((u) => [u.subject, u]));
  const entries: CheckEntry[] = [];
  for (const name of opts.components) {
    const problem = unhealthy.get(`Deployment/${opts.namespace}/${name}`);
    if (problem?.status === 'NotFound') {
      entries.push(
        failed(`${name}: no Deployment in the ${opts.namespace} namespace: install it with tide install`),
      );
      continue;
    }
    entries.push(
      problem === undefined ? ok(`${name}: deployment ready`) : failed(`${name}: ${problem.message}`),
    );
    const image = await imageOf(opts, name);
    if (image !== undefined) entries.push(info(image));
  }
  return { title: 'controllers', entries };
}

async function imageOf(target: CheckTarget, name: string): Promise<string | undefined> {
  try {
    const d = await target.client.get<
      KubeObject<{ template?: { spec?: { containers?: { name: string; image?: string }[] } } }>
    >(InstallResources.Deployment, name, target.namespace, target.signal);
    const containers = d.spec?.template?.spec?.containers ?? [];
    return (containers.find((c) => c.name === 'manager') ?? containers[0])?.image;
  } catch {
    return undefined;
  }
}

interface CrdObject extends KubeObject<{ versions?: { name: string; storage?: boolean }[] }> {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** Every CRD of the components: present, Established, and its storage version. */
export async function crds(target: CheckTarget): Promise<CheckSection> {
  const entries: CheckEntry[] = [];
  for (const name of crdNamesOf(target.components)) {
    try {
      const crd = await target.client.get<CrdObject>(
        InstallResources.CustomResourceDefinition,
        name,
        undefined,
        target.signal,
      );
      const why = crdNotEstablished(crd);
      const storage = crd.spec?.versions?.find((v) => v.storage === true)?.name ?? '?';
      entries.push(why === undefined ? ok(`${name}/${storage}`) : failed(`${name}: ${why}`));
    } catch (err) {
      entries.push(
        isNotFound(err)
          ? failed(`${name} not found: install it with tide install`)
          : failed(`${name}: ${messageOf(err)}`),
      );
    }
  }
  return { title: 'crds', entries };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
