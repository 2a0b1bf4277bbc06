// Following an object to what manages it: the owner labels name a Kustomization or
// HelmRelease, whose spec names the chart and the source it reads.
import type { KubeObject } from '../../../api/object.js';
import { computeHealth } from '../../../health/index.js';
import { stringAt } from '../../../health/fields.js';
import { CliError } from '../../context.js';
import type { Trace, TraceLink } from '../../inspect/trace-report.js';

const KUSTOMIZE_NAME = 'kustomize.toolkit.fluxcd.io/name';
const KUSTOMIZE_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';
const HELM_NAME = 'helm.toolkit.fluxcd.io/name';
const HELM_NAMESPACE = 'helm.toolkit.fluxcd.io/namespace';

/** Reads a Flux object by kind; undefined when it does not exist. */
export type FluxLookup = (kind: string, name: string, namespace: string) => Promise<KubeObject | undefined>;

export async function traceObject(lookup: FluxLookup, object: KubeObject): Promise<Trace> {
  const labels = object.metadata.labels ?? {};
  const health = computeHealth(object);
  const ks = labels[KUSTOMIZE_NAME];
  if (ks !== undefined && ks !== '') {
    const ns = labels[KUSTOMIZE_NAMESPACE] ?? object.metadata.namespace ?? '';
    return { object, health, links: await kustomizationChain(lookup, ks, ns) };
  }
  const hr = labels[HELM_NAME];
  if (hr !== undefined && hr !== '') {
    const ns = labels[HELM_NAMESPACE] ?? object.metadata.namespace ?? '';
    return { object, health, links: await helmReleaseChain(lookup, hr, ns) };
  }
  const ns = object.metadata.namespace ?? '';
  throw new CliError(
    `${object.kind}/${ns === '' ? '' : `${ns}/`}${object.metadata.name} is not managed by Tide: ` +
      `it has no ${KUSTOMIZE_NAME} or ${HELM_NAME} label (a Kustomization or HelmRelease sets them on what it applies)`,
  );
}

async function link(lookup: FluxLookup, kind: string, name: string, namespace: string): Promise<TraceLink> {
  const object = await lookup(kind, name, namespace);
  return object === undefined ? { kind, name, namespace } : { kind, name, namespace, object };
}

/** `spec.<path>` as a reference, its namespace defaulting to the referrer's. */
function refAt(obj: KubeObject, path: string): { kind: string; name: string; namespace: string } | undefined {
  const kind = stringAt(obj, `${path}.kind`);
  const name = stringAt(obj, `${path}.name`);
  if (kind === '' || name === '') return undefined;
  return { kind, name, namespace: stringAt(obj, `${path}.namespace`, obj.metadata.namespace ?? '') };
}

async function kustomizationChain(lookup: FluxLookup, name: string, namespace: string): Promise<TraceLink[]> {
  const ks = await link(lookup, 'Kustomization', name, namespace);
  if (ks.object === undefined) return [ks];
  const ref = refAt(ks.object, 'spec.sourceRef');
  return ref === undefined ? [ks] : [ks, await link(lookup, ref.kind, ref.name, ref.namespace)];
}

async function helmReleaseChain(lookup: FluxLookup, name: string, namespace: string): Promise<TraceLink[]> {
  const hr = await link(lookup, 'HelmRelease', name, namespace);
  const obj = hr.object;
  if (obj === undefined) return [hr];
  const chartRef = refAt(obj, 'spec.chartRef');
  if (chartRef !== undefined) {
    const chart = await link(lookup, chartRef.kind, chartRef.name, chartRef.namespace);
    if (chart.kind !== 'HelmChart' || chart.object === undefined) return [hr, chart];
    const source = refAt(chart.object, 'spec.sourceRef');
    return source === undefined
      ? [hr, chart]
      : [hr, chart, await link(lookup, source.kind, source.name, source.namespace)];
  }
  const source = refAt(obj, 'spec.chart.spec.sourceRef');
  // The controller names the HelmChart it creates `<namespace>-<name>`, in the source's namespace.
  const [chartNs, chartName] = splitKey(
    stringAt(obj, 'status.helmChart', `${source?.namespace ?? namespace}/${namespace}-${name}`),
  );
  const chart = await link(lookup, 'HelmChart', chartName, chartNs);
  return source === undefined
    ? [hr, chart]
    : [hr, chart, await link(lookup, source.kind, source.name, source.namespace)];
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}
