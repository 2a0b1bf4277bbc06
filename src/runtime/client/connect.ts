import { KubeClient } from './client.js';
import type { KubeConfigSource } from './kubeconfig.js';
import { transportFromKubeConfig, type ConnectOptions } from './transport.js';

/** A client for the kubeconfig's current context; Flux's default limits (50 QPS, burst 300). */
export async function connect(kc: KubeConfigSource, opts: ConnectOptions = {}): Promise<KubeClient> {
  return new KubeClient(await transportFromKubeConfig(kc), {
    qps: opts.qps ?? 50,
    burst: opts.burst ?? 300,
    userAgent: opts.userAgent ?? 'tide',
  });
}
