// Integration-test setup for the resource commands: the kustomize test harness (source
// and kustomize controllers on the shared cluster, in this process's shard) and `tide`
// run in-process against it. Objects the CLI creates join the shard through --label.
import assert from 'node:assert/strict';
import {
  shardLabels,
  startKustomizeHarness,
  type KustomizeHarness,
} from '../../../controllers/kustomize/testdata/harness.js';
import { runTide } from '../../testdata/context.js';

export interface CliHarness {
  readonly h: KustomizeHarness;
  /** `tide <argv>` against the harness's cluster; `answers` for confirmations. */
  readonly tide: (
    argv: readonly string[],
    opts?: { readonly answers?: readonly boolean[] },
  ) => Promise<{ code: number; stdout: string; stderr: string }>;
  /** `key=value` of this process's shard label, for --label. */
  readonly shard: string;
  readonly env: Readonly<Record<string, string>>;
}

export async function startCliHarness(): Promise<CliHarness> {
  const h = await startKustomizeHarness();
  const env = { KUBECONFIG: h.env.kubeconfigPath };
  return {
    h,
    env,
    tide: (argv, opts = {}) => runTide(argv, { env, ...opts }),
    shard: Object.entries(shardLabels())
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  };
}

export function assertOk(res: { code: number; stdout: string; stderr: string }, what: string): void {
  assert.equal(res.code, 0, `${what} failed:\n${res.stderr}`);
}

export const configMap = (greeting: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: ${greeting}
`;
