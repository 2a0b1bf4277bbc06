// Waiting for the controller Deployments to be rolled out (kstatus Current), as
// install and check both do.
import { waitForHealth, type HealthReport } from '../health/index.js';
import type { KubeClient } from '../runtime/client/client.js';
import { DiscoveryCache } from '../runtime/client/discovery.js';

export interface DeploymentsWaitOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly names: readonly string[];
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly pollMs?: number;
}

export async function waitForDeployments(opts: DeploymentsWaitOptions): Promise<HealthReport> {
  return waitForHealth(
    opts.names.map((name) => ({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: opts.namespace,
      name,
    })),
    {
      client: opts.client,
      discovery: new DiscoveryCache(opts.client),
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
      // A Deployment past its progress deadline can still recover (an image pull that
      // finally succeeds): keep waiting until the timeout rather than failing fast.
      failFast: false,
    },
  );
}
