// Helm rendering against the live cluster: Capabilities from discovery and
// `lookup` served through Tide's client (and its impersonation).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { connect, CoreResources, type KubeClient } from '../runtime/client/index.js';
import { DiscoveryCache } from '../runtime/client/discovery.js';
import { useTestEnvironment, type TestEnvironment } from '../testenv/env.js';
import { eventually } from '../testenv/eventually.js';
import { clusterLookup, helmCapabilities } from './helm-cluster.js';
import { RenderError, Renderer } from './renderer.js';

const chartYaml = 'apiVersion: v2\nname: probe\nversion: 0.1.0\n';
const template = `{{- $cm := lookup "v1" "ConfigMap" .Release.Namespace "settings" }}
{{- $all := lookup "v1" "ConfigMap" .Release.Namespace "" }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  found: {{ ternary "yes" "no" (hasKey $cm "data") | quote }}
  color: {{ dig "data" "color" "none" $cm | quote }}
  listed: {{ $all.items | default list | len | quote }}
  listKinds: {{ range $all.items }}{{ .kind }},{{ end }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  hasGitRepository: {{ .Capabilities.APIVersions.Has "source.toolkit.fluxcd.io/v1/GitRepository" | quote }}
  hasApps: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}
  hasNoSuch: {{ .Capabilities.APIVersions.Has "example.invalid/v1" | quote }}
`;

describe('Helm against the live cluster', () => {
  let env: TestEnvironment;
  let client: KubeClient;
  let discovery: DiscoveryCache;
  let renderer: Renderer;
  let root: string;
  let ns: string;

  before(async () => {
    env = await useTestEnvironment();
    client = await connect(env.kc);
    discovery = new DiscoveryCache(client);
    renderer = await Renderer.start({ cacheDir: defaultCacheDir(process.env), processes: 1 });
    root = await mkdtemp(path.join(os.tmpdir(), 'tide-helm-cluster-'));
    await mkdir(path.join(root, 'probe', 'templates'), { recursive: true });
    await writeFile(path.join(root, 'probe', 'Chart.yaml'), chartYaml);
    await writeFile(path.join(root, 'probe', 'templates', 'probe.yaml'), template);
    await env.installCRDs(path.resolve('config/crd'));
  });
  after(async () => {
    await renderer.close();
    await rm(root, { recursive: true, force: true });
  });

  it('takes Capabilities from discovery: the server version and every served kind', async () => {
    const caps = helmCapabilities(await discovery.refresh());
    assert.match(caps.kubeVersion ?? '', /^v1\.\d+\.\d+/);
    assert.ok(caps.apiVersions?.includes('apps/v1/Deployment'), 'apps/v1/Deployment listed');
    assert.ok(caps.apiVersions?.includes('source.toolkit.fluxcd.io/v1'), 'CRD group/version listed');
  });

  it('serves lookup from the cluster during a real install, and renders empty lookups in a dry run', async (t) => {
    ns = await env.createNamespace(t, 'helm-lookup');
    await client.create(CoreResources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: ns },
      data: { color: 'teal' },
    });
    // The controller manager publishes kube-root-ca.crt into a new namespace shortly after it
    // exists; the list below counts it, so wait for it (under load it can lag).
    await eventually(async () => {
      await client.get(CoreResources.ConfigMap, 'kube-root-ca.crt', ns);
    });
    const capabilities = helmCapabilities(await discovery.refresh());
    const params = { root, chart: 'probe', releaseName: 'probe', namespace: ns, capabilities };

    const live = await renderer.helmRender(
      { ...params, lookup: true },
      { lookup: clusterLookup(client, discovery) },
    );
    assert.match(live.manifest, /found: "yes"/);
    assert.match(live.manifest, /color: "teal"/);
    // settings and kube-root-ca.crt, each with its kind filled in.
    assert.match(live.manifest, /listed: "2"/);
    assert.match(live.manifest, /listKinds: ConfigMap,ConfigMap,/);
    assert.match(live.manifest, new RegExp(`kube: "${capabilities.kubeVersion ?? ''}"`));
    assert.match(live.manifest, /hasGitRepository: "true"/);
    assert.match(live.manifest, /hasApps: "true"/);
    assert.match(live.manifest, /hasNoSuch: "false"/);

    const dry = await renderer.helmRender({ ...params, lookup: false });
    assert.match(dry.manifest, /found: "no"/);
    assert.match(dry.manifest, /color: "none"/);
    assert.match(dry.manifest, /listed: "0"/);
  });

  it('looks up as the impersonated identity, so a tenant reads only what RBAC allows', async () => {
    const tenant = client.impersonating('system:serviceaccount:tenant-a:reconciler');
    await assert.rejects(
      renderer.helmRender(
        { root, chart: 'probe', releaseName: 'probe', namespace: ns, lookup: true },
        { lookup: clusterLookup(tenant, discovery) },
      ),
      (err: unknown) =>
        err instanceof RenderError &&
        /forbidden/i.test(err.message) &&
        /lookup|probe\.yaml/.test(err.message),
    );
  });
});
