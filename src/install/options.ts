// What `tide install` can vary, with Flux's option names and defaults where Flux has
// them, and the checks that turn a bad value into a message naming the flag.

/** The controllers Tide ships, by their Flux Deployment names. */
export const COMPONENTS = ['source-controller', 'kustomize-controller'] as const;
export type Component = (typeof COMPONENTS)[number];

/**
 * Tide publishes one image for every controller (`tide controller --controllers=…`
 * picks the role), so --registry names a repository prefix and the image is always
 * `<registry>/tide:v<version>`.
 */
export const DEFAULT_REGISTRY = 'ghcr.io/tide-gitops';
export const IMAGE_NAME = 'tide';

export const LOG_LEVELS = ['debug', 'info', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface InstallOptions {
  /** Where the controllers run; also the `app.kubernetes.io/instance` label and the suffix of cluster-scoped names. */
  readonly namespace: string;
  readonly components: readonly Component[];
  /** Tide's version: the default image tag and the `app.kubernetes.io/version` label. */
  readonly version: string;
  readonly registry: string;
  /** A full image reference; overrides registry and version. */
  readonly image?: string;
  readonly imagePullSecret?: string;
  readonly watchAllNamespaces: boolean;
  readonly networkPolicy: boolean;
  readonly clusterDomain: string;
  readonly logLevel: LogLevel;
  readonly tolerationKeys: readonly string[];
}

export function defaultInstallOptions(version: string): InstallOptions {
  return {
    namespace: 'flux-system',
    components: [...COMPONENTS],
    version,
    registry: DEFAULT_REGISTRY,
    watchAllNamespaces: true,
    networkPolicy: true,
    clusterDomain: 'cluster.local',
    logLevel: 'info',
    tolerationKeys: [],
  };
}

/** The image every controller Deployment runs. */
export function imageOf(opts: Pick<InstallOptions, 'image' | 'registry' | 'version'>): string {
  return opts.image ?? `${opts.registry.replace(/\/+$/, '')}/${IMAGE_NAME}:v${opts.version}`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// A label key: an optional DNS-subdomain prefix and a name of at most 63 characters.
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// An image reference: no whitespace, no scheme; the registry checks the rest.
const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:@]*$/i;

/** Every problem with the options, each naming the flag and what to write instead. */
export function validateInstallOptions(opts: InstallOptions): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(opts.namespace) || opts.namespace.length > 63) {
    problems.push(
      `--namespace '${opts.namespace}' is not a valid namespace name: use lower-case letters, digits and '-', at most 63 characters`,
    );
  }
  if (!DNS_SUBDOMAIN.test(opts.clusterDomain)) {
    problems.push(`--cluster-domain '${opts.clusterDomain}' is not a DNS domain (example: cluster.local)`);
  }
  if (opts.image !== undefined && !IMAGE_REF.test(opts.image)) {
    problems.push(`--image '${opts.image}' is not an image reference (example: ghcr.io/acme/tide:v1.2.3)`);
  }
  if (!IMAGE_REF.test(opts.registry) || opts.registry.includes('://')) {
    problems.push(`--registry '${opts.registry}' is not a registry path (example: ghcr.io/tide-gitops)`);
  }
  if (opts.imagePullSecret !== undefined && !DNS_SUBDOMAIN.test(opts.imagePullSecret)) {
    problems.push(`--image-pull-secret '${opts.imagePullSecret}' is not a valid Secret name`);
  }
  for (const key of opts.tolerationKeys) {
    if (!LABEL_KEY.test(key)) {
      problems.push(
        `--toleration-keys: '${key}' is not a valid taint key (example: node.example.com/dedicated)`,
      );
    }
  }
  if (opts.components.length === 0)
    problems.push(`--components needs at least one of ${COMPONENTS.join(', ')}`);
  return problems;
}
