// A manager process for integration tests: reconciles the ConfigMaps of one namespace,
// reporting each reconcile as a JSON line on stdout. Flags: the manager's (Flux names)
// plus --namespace and --reconcile-delay.
import { Command } from 'commander';
import { objectKey } from '../../../api/object.js';
import { loadKubeConfig } from '../../client/transport.js';
import { CoreResources } from '../../client/resource.js';
import { sleep } from '../../client/rate-limiter.js';
import { done } from '../../controller/controller.js';
import { Manager } from '../manager.js';
import { addManagerFlags, managerOptionsFrom } from '../options.js';

function report(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, pid: process.pid, ...fields }) + '\n');
}

const cmd = addManagerFlags(new Command('test-manager'))
  .requiredOption('--namespace <ns>')
  .option('--reconcile-delay <ms>', 'time each reconcile takes', '0');
cmd.parse(process.argv);
const namespace = cmd.opts<{ namespace: string }>().namespace;
const delay = Number(cmd.opts<{ reconcileDelay: string }>().reconcileDelay);
const options = { ...managerOptionsFrom(cmd, namespace), watchAllNamespaces: false };

const manager = await Manager.create({
  name: 'test-manager',
  kubeConfig: loadKubeConfig(options.kubeconfig),
  options,
  logger: undefined,
});
const informer = manager.informer(CoreResources.ConfigMap, {
  sharded: true,
  fieldSelector: 'metadata.name!=kube-root-ca.crt',
});
const controller = manager.controller({
  name: 'configmaps',
  reconciler: {
    async reconcile(req, ctx) {
      const key = objectKey(req);
      const started = performance.now();
      report('reconcile-start', { key });
      await sleep(delay, ctx.signal).catch(() => undefined);
      manager.metrics.reconcileDuration.observe(
        { kind: 'ConfigMap', name: req.name, namespace: req.namespace ?? '' },
        (performance.now() - started) / 1000,
      );
      report(ctx.signal.aborted ? 'reconcile-aborted' : 'reconcile-done', { key });
      return done;
    },
  },
});
controller.watchPrimary(informer);

const stop = new AbortController();
process.on('SIGTERM', () => {
  report('sigterm');
  stop.abort();
});
const running = manager.run(stop.signal);
// Endpoints are up once run() has started; report their addresses for the test.
const waitForEndpoints = async (): Promise<void> => {
  while (manager.endpoints === undefined) await sleep(20);
  report('listening', { metricsUrl: manager.endpoints.metricsUrl, healthUrl: manager.endpoints.healthUrl });
};
await waitForEndpoints();
const exit = await running;
report('exited', { reason: exit.reason });
process.exit(exit.reason === 'shutdown' ? 0 : 1);
