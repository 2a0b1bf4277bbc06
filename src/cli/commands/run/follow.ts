// While the default run stays up: a commit pushed to the demo repository is fetched at
// once (no waiting for the source's interval), and each outcome is reported as it
// happens, so "edit, commit, watch" works in the terminal tide runs in.
import { setTimeout as sleep } from 'node:timers/promises';
import { KustomizationKind, type Kustomization } from '../../../api/kustomize/kustomization.js';
import { DEMO_NAME } from '../../../demo/objects.js';
import type { DemoRepo } from '../../../demo/repo.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { resourceFor } from '../../../runtime/client/resource.js';
import type { CliContext } from '../../context.js';
import { readiness } from '../../resources/status.js';
import { style } from '../../ui/style.js';
import { DEMO_NAMESPACE_FLUX, requestReconcile } from './demo.js';

const Kustomizations = resourceFor(KustomizationKind);
const POLL_MS = 1000;

export async function followDemo(
  ctx: CliContext,
  client: KubeClient,
  repo: DemoRepo,
  initial: Kustomization,
): Promise<void> {
  const s = style(ctx);
  // Pushes are counted, not timed: a push logged during a check is seen exactly once.
  let pushes = repo.pushesSince(0);
  let applied = initial.status?.lastAppliedRevision ?? '';
  let lastFailure = '';
  const stopped = (): boolean => ctx.signal.aborted;
  while (!stopped()) {
    try {
      await sleep(POLL_MS, undefined, { signal: ctx.signal });
    } catch {
      return;
    }
    try {
      const total = repo.pushesSince(0);
      if (total > pushes) {
        pushes = total;
        ctx.output.err(`► new commit pushed to the demo repository: fetching it`);
        await requestReconcile(client, DEMO_NAME);
      }
      const ks = await client.get<Kustomization>(Kustomizations, DEMO_NAME, DEMO_NAMESPACE_FLUX);
      const revision = ks.status?.lastAppliedRevision ?? '';
      if (revision !== '' && revision !== applied) {
        applied = revision;
        lastFailure = '';
        ctx.output.err(`${s.green('✔')} demo: applied revision ${revision}`);
      }
      const state = readiness(ks);
      if (state.state === 'failed' && state.message !== lastFailure) {
        lastFailure = state.message;
        ctx.output.err(`${s.red('✗')} demo: ${state.message}`);
      }
    } catch (err) {
      if (stopped()) return;
      ctx.output.err(`${s.yellow('!')} ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
