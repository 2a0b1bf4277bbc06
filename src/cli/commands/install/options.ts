// The flags of `tide install` (Flux's names and defaults) and their translation into
// InstallOptions. --components is shared with `tide check`.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  COMPONENTS,
  DEFAULT_REGISTRY,
  LOG_LEVELS,
  defaultInstallOptions,
  type Component,
  type InstallOptions,
  type LogLevel,
} from '../../../install/options.js';
import type { KubeFlags } from '../../kube/flags.js';
import { closest } from '../../resources/nouns.js';

/** Parses `--components`: comma-separated known names, returned in Tide's order. */
export function parseComponents(value: string): Component[] {
  const words = value
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  if (words.length === 0) throw new InvalidArgumentError(`give at least one of ${COMPONENTS.join(', ')}.`);
  for (const word of words) {
    if (!(COMPONENTS as readonly string[]).includes(word)) {
      const near = closest(word, COMPONENTS);
      const hint = near.length > 0 ? ` Did you mean ${near.join(' or ')}?` : '';
      throw new InvalidArgumentError(`unknown component '${word}' (known: ${COMPONENTS.join(', ')}).${hint}`);
    }
  }
  return COMPONENTS.filter((c) => words.includes(c));
}

/** `--flag`, `--flag=true` and `--flag=false`, as Flux's boolean flags. */
export function parseBool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`expected true or false, got '${value}'.`);
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
}

export function componentsOption(): Option {
  return new Option('--components <list>', 'controllers, comma-separated')
    .argParser(parseComponents)
    .default([...COMPONENTS], COMPONENTS.join(','));
}

export interface InstallFlags extends KubeFlags {
  readonly components: Component[];
  readonly registry: string;
  readonly image?: string;
  readonly imagePullSecret?: string;
  readonly watchAllNamespaces: boolean;
  readonly networkPolicy: boolean;
  readonly clusterDomain: string;
  readonly logLevel: LogLevel;
  readonly tolerationKeys: string[];
  readonly export: boolean;
  readonly skipCrds: boolean;
}

/** The flags that shape the installed components, shared by `install` and `bootstrap git`. */
export function addComponentFlags(cmd: Command): Command {
  return cmd
    .addOption(componentsOption())
    .addOption(
      new Option('--registry <registry>', 'registry and path the image is pulled from').default(
        DEFAULT_REGISTRY,
      ),
    )
    .addOption(
      new Option('--image <reference>', "the controllers' image, overriding --registry (e.g. a digest)"),
    )
    .addOption(new Option('--image-pull-secret <name>', 'Secret in the namespace to pull the image with'))
    .addOption(
      new Option(
        '--watch-all-namespaces [bool]',
        "watch objects in every namespace, or only the installation's",
      )
        .argParser(parseBool)
        .default(true),
    )
    .addOption(
      new Option('--network-policy [bool]', 'restrict ingress to the controllers with network policies')
        .argParser(parseBool)
        .default(true),
    )
    .addOption(
      new Option('--cluster-domain <domain>', "the cluster's DNS domain, for artifact URLs").default(
        'cluster.local',
      ),
    )
    .addOption(
      new Option('--log-level <level>', "controllers' log level").choices(LOG_LEVELS).default('info'),
    )
    .addOption(
      new Option('--toleration-keys <keys>', 'taint keys the controllers tolerate, comma-separated')
        .argParser(parseList)
        .default([], 'none'),
    );
}

export function addInstallFlags(cmd: Command): Command {
  return addComponentFlags(cmd)
    .addOption(new Option('--export', 'print the manifests as YAML instead of applying them').default(false))
    .addOption(
      new Option(
        '--skip-crds',
        'do not apply the CRDs (they are managed elsewhere, e.g. shared with another installation); they must be installed',
      ).default(false),
    );
}

/** The flags addComponentFlags adds, plus the namespace. */
export type ComponentFlags = Pick<
  InstallFlags,
  | 'namespace'
  | 'components'
  | 'registry'
  | 'image'
  | 'imagePullSecret'
  | 'watchAllNamespaces'
  | 'networkPolicy'
  | 'clusterDomain'
  | 'logLevel'
  | 'tolerationKeys'
>;

export function installOptionsFrom(flags: ComponentFlags, version: string): InstallOptions {
  return {
    ...defaultInstallOptions(version),
    namespace: flags.namespace,
    components: flags.components,
    registry: flags.registry,
    ...(flags.image === undefined ? {} : { image: flags.image }),
    ...(flags.imagePullSecret === undefined ? {} : { imagePullSecret: flags.imagePullSecret }),
    watchAllNamespaces: flags.watchAllNamespaces,
    networkPolicy: flags.networkPolicy,
    clusterDomain: flags.clusterDomain,
    logLevel: flags.logLevel,
    tolerationKeys: flags.tolerationKeys,
  };
}
