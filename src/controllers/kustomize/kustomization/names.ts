// Names the Kustomization controller shares with Flux: field manager, owner labels,
// annotations and the group prefix of event metadata.
import { KUSTOMIZE_GROUP } from '../../../api/kustomize/group.js';

export const FIELD_MANAGER = 'kustomize-controller';

export const OwnerLabel = {
  name: `${KUSTOMIZE_GROUP}/name`,
  namespace: `${KUSTOMIZE_GROUP}/namespace`,
} as const;

/** Event metadata keys (`<group>/revision` …), read by notification providers. */
export const EventMetadata = {
  revision: `${KUSTOMIZE_GROUP}/revision`,
  originRevision: `${KUSTOMIZE_GROUP}/originRevision`,
  commitStatus: `${KUSTOMIZE_GROUP}/commit_status`,
} as const;

/** Artifact metadata key of the revision a source was built from (OCI and ExternalArtifact). */
export const ORIGIN_REVISION_KEY = 'org.opencontainers.image.revision';

/** Flux keeps this many history snapshots. */
export const HISTORY_LIMIT = 5;
