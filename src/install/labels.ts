// The labels every installed object carries (Flux's keys, Tide's part-of value): they
// are how uninstall, check and version find an installation again.
import type { InstallOptions } from './options.js';

export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF = 'tide';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const VERSION_LABEL = 'app.kubernetes.io/version';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Selects the objects of the installation in `namespace` (and not another one's). */
export function instanceSelector(namespace: string): string {
  return `${PART_OF_LABEL}=${PART_OF},${INSTANCE_LABEL}=${namespace}`;
}

export function commonLabels(opts: Pick<InstallOptions, 'namespace' | 'version'>): Record<string, string> {
  return {
    [INSTANCE_LABEL]: opts.namespace,
    [PART_OF_LABEL]: PART_OF,
    [VERSION_LABEL]: opts.version,
  };
}

export function componentLabels(
  opts: Pick<InstallOptions, 'namespace' | 'version'>,
  component: string,
): Record<string, string> {
  return { [COMPONENT_LABEL]: component, ...commonLabels(opts) };
}
