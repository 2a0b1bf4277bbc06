// Names source-watcher uses for ArtifactGenerators (fluxcd/source-watcher api/v1beta1).
// They belong in src/api/sourceextensions; kept here until the API area takes them.
import { SOURCE_EXTENSIONS_GROUP } from '../../../api/sourceextensions/group.js';

/** Field manager of every write: generator status, ExternalArtifacts and their status. */
export const FIELD_MANAGER = 'source-watcher';

export const GENERATOR_API_VERSION = `${SOURCE_EXTENSIONS_GROUP}/v1beta1`;
export const GENERATOR_KIND = 'ArtifactGenerator';

/** Label on every generated ExternalArtifact: the generator's name. */
export const GENERATOR_LABEL = `${SOURCE_EXTENSIONS_GROUP}/generator`;
/** `disabled` suspends a generator. */
export const RECONCILE_ANNOTATION = `${SOURCE_EXTENSIONS_GROUP}/reconcile`;
/** How often an idle generator re-checks its outputs for drift (Go duration). */
export const RECONCILE_EVERY_ANNOTATION = `${SOURCE_EXTENSIONS_GROUP}/reconcileEvery`;
/**
 * Artifact metadata key for the origin revision: the OCI annotation kustomize-controller and
 * helm-controller read as `originRevision` from a source artifact.
 */
export const ORIGIN_REVISION_KEY = 'org.opencontainers.image.revision';

export const GeneratorReason = {
  ReconciliationDisabled: 'ReconciliationDisabled',
  AccessDenied: 'AccessDenied',
  ValidationFailed: 'ValidationFailed',
  SourceFetchFailed: 'SourceFetchFailed',
  BuildFailed: 'BuildFailed',
} as const;

export function isDisabled(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[RECONCILE_ANNOTATION]?.toLowerCase() === 'disabled';
}

/** The generator label's value: its name, when the name fits a label value (63 characters). */
export function generatorLabelValue(name: string): string | undefined {
  return name.length <= 63 ? name : undefined;
}
