// The controller's kubeconfig, in controller-runtime's order (what Flux's controllers
// use): --kubeconfig, else $KUBECONFIG, else the pod's ServiceAccount, else
// ~/.kube/config. In a pod the ServiceAccount wins over a stray home kubeconfig.
import {
  KubeConfigError,
  loadDefaultKubeConfig,
  loadInClusterKubeConfig,
  loadKubeConfigFromFile,
  type ResolvedKubeConfig,
} from '../../../runtime/client/kubeconfig.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';

export function controllerKubeConfig(ctx: CliContext, file: string | undefined): ResolvedKubeConfig {
  try {
    if (file !== undefined && file !== '') return loadKubeConfigFromFile(file, { env: ctx.env });
    const inCluster = (ctx.env['KUBERNETES_SERVICE_HOST'] ?? '') !== '';
    if ((ctx.env['KUBECONFIG'] ?? '') === '' && inCluster) return loadInClusterKubeConfig(ctx.env);
    return loadDefaultKubeConfig(ctx.env, ctx.home);
  } catch (err) {
    if (err instanceof KubeConfigError) {
      throw new CliError(
        `${err.message}\n  Point the controllers at a cluster with --kubeconfig or KUBECONFIG, or run them in a pod.`,
        ExitCode.noCluster,
      );
    }
    throw err;
  }
}
