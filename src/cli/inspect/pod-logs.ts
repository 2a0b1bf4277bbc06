// The controllers' logs when they run in the cluster: their Deployments in the Flux
// namespace (labelled part of tide, or of flux), one pod of each (a running one when
// there is one, as kubectl logs picks), and each pod's log through pods/log, streamed
// line by line.
import https from 'node:https';
import type { KubeObject } from '../../api/object.js';
import { fieldAt, stringAt } from '../../health/fields.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { resourcePath, type ResourceType } from '../../runtime/client/resource.js';
import type { Transport } from '../../runtime/client/transport.js';
import { CliError } from '../context.js';

export const CONTROLLER_SELECTOR = 'app.kubernetes.io/part-of in (tide,flux)';

const Deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
};
const Pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const Nodes: ResourceType = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

export interface ControllerPod {
  readonly deployment: string;
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
}

/** One pod per controller Deployment; Deployments without pods are left out. */
export async function controllerPods(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
): Promise<{ deployments: string[]; pods: ControllerPod[] }> {
  const deployments = await client.list(Deployments, {
    namespace,
    labelSelector: CONTROLLER_SELECTOR,
    signal,
  });
  const pods: ControllerPod[] = [];
  for (const d of deployments.items) {
    const labels = fieldAt(d, 'spec.selector.matchLabels');
    if (labels === null || typeof labels !== 'object') continue;
    const selector = Object.entries(labels as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
    const list = await client.list(Pods, { namespace, labelSelector: selector, signal });
    const best = [...list.items].sort((a, b) => podRank(b) - podRank(a))[0];
    if (best !== undefined) {
      pods.push({
        deployment: d.metadata.name,
        namespace,
        name: best.metadata.name,
        node: stringAt(best, 'spec.nodeName'),
      });
    }
  }
  return { deployments: deployments.items.map((d) => d.metadata.name), pods };
}

// Running and ready first, then running, then the newest.
function podRank(pod: KubeObject): number {
  const running = stringAt(pod, 'status.phase') === 'Running' ? 2e13 : 0;
  const ready = (fieldAt(pod, 'status.conditions') as { type?: string; status?: string }[] | undefined)?.some(
    (c) => c.type === 'Ready' && c.status === 'True',
  )
    ? 1e13
    : 0;
  const created = Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
  return running + ready + created / 1e3;
}

export interface PodLogOptions {
  readonly follow?: boolean;
  readonly tailLines?: number;
  readonly sinceSeconds?: number;
  readonly sinceTime?: string;
  readonly signal: AbortSignal;
}

/** Streams the pod's log lines to onLine until the log ends (or, following, the signal aborts). */
export async function streamPodLog(
  transport: Transport,
  client: KubeClient,
  pod: ControllerPod,
  opts: PodLogOptions,
  onLine: (line: string) => void,
): Promise<void> {
  const url = new URL(
    resourcePath(Pods, { namespace: pod.namespace, name: pod.name, subresource: 'log' }),
    transport.server,
  );
  if (opts.follow === true) url.searchParams.set('follow', 'true');
  if (opts.tailLines !== undefined) url.searchParams.set('tailLines', String(opts.tailLines));
  if (opts.sinceSeconds !== undefined) url.searchParams.set('sinceSeconds', String(opts.sinceSeconds));
  if (opts.sinceTime !== undefined) url.searchParams.set('sinceTime', opts.sinceTime);
  const headers = { ...(await transport.headers()), Accept: '*/*', 'User-Agent': 'tide-cli' };
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = https.request(url, { method: 'GET', agent: transport.agent, headers, signal: opts.signal });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  response.setEncoding('utf8');
  if (response.statusCode !== 200) {
    let body = '';
    for await (const chunk of response) body += chunk as string;
    throw await podLogFailure(client, pod, response.statusCode ?? 0, body, opts.signal);
  }
  let partial = '';
  try {
    for await (const chunk of response) {
      const parts = (partial + (chunk as string)).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
    }
  } catch (err) {
    if (!opts.signal.aborted) throw err;
  }
  if (partial !== '') onLine(partial);
}

async function podLogFailure(
  client: KubeClient,
  pod: ControllerPod,
  status: number,
  body: string,
  signal: AbortSignal,
): Promise<CliError> {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not a Status: keep the text
  }
  const what = `cannot read the log of pod ${pod.namespace}/${pod.name} (controller ${pod.deployment}): HTTP ${status}: ${message.slice(0, 300)}`;
  if (await isSimulatedNode(client, pod.node, signal)) {
    return new CliError(
      `${what}\n  Its node ${pod.node} is simulated (kwok): pods there run no containers and have no logs.` +
        `\n  Run the controllers in-process (\`tide\`) and read their log with \`tide logs\`, or pass --log-file.`,
    );
  }
  return new CliError(`${what}\n  The API server could not get the log from the node's kubelet.`);
}

async function isSimulatedNode(client: KubeClient, node: string, signal: AbortSignal): Promise<boolean> {
  if (node === '') return false;
  try {
    const obj = await client.get(Nodes, node, undefined, signal);
    return obj.metadata.annotations?.['kwok.x-k8s.io/node'] !== undefined;
  } catch {
    return false;
  }
}
