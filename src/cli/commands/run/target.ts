// Which cluster the default run uses: the local one when nothing is configured (or with
// --local), otherwise the kubeconfig's — after the user agreed, because the demo writes
// CRDs and objects into that cluster.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { kubeConfigFrom } from '../../kube/flags.js';

export interface TargetFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly local?: boolean;
  readonly yes?: boolean;
}

export type Target =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'configured';
      readonly kubeconfig: string | undefined;
      readonly context: string | undefined;
    };

/** Whether a kubeconfig is configured: the flag, $KUBECONFIG, or ~/.kube/config. */
export function kubeconfigConfigured(ctx: CliContext, flags: TargetFlags): boolean {
  if (flags.kubeconfig !== undefined) return true;
  if (ctx.kubeconfigEnv !== undefined) return true;
  return existsSync(path.join(ctx.home, '.kube', 'config'));
}

export async function chooseTarget(ctx: CliContext, flags: TargetFlags): Promise<Target> {
  if (flags.local === true || !kubeconfigConfigured(ctx, flags)) {
    if (flags.kubeconfig !== undefined || flags.context !== undefined)
      throw new CliError('--local starts a cluster of its own: drop --kubeconfig/--context', ExitCode.usage);
    return { kind: 'local' };
  }
  const config = kubeConfigFrom(ctx, flags);
  const where = `context "${config.contextName}" (${config.cluster.server})`;
  if (flags.yes !== true) {
    const answer = await ctx.confirm(
      `Install Tide's CRDs and sync the demo into ${where}? The controllers run in this process.`,
    );
    if (answer === undefined)
      throw new CliError(
        `a kubeconfig is configured (${where}): pass --yes to install the demo there, or --local to start a local cluster`,
        ExitCode.usage,
      );
    if (!answer) throw new CliError('cancelled; run `tide --local` to use a local cluster instead');
  }
  ctx.output.err(`► using ${where}`);
  return { kind: 'configured', kubeconfig: flags.kubeconfig, context: flags.context };
}
