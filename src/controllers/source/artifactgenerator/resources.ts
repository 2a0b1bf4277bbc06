// The kinds the ArtifactGenerator controller reads and writes, where they live on the API server.
import type { Artifact, Condition } from '../../../api/meta/status.js';
import type { KubeObject } from '../../../api/object.js';
import { BucketKind } from '../../../api/source/bucket.js';
import { ExternalArtifactKind } from '../../../api/source/externalartifact.js';
import { GitRepositoryKind } from '../../../api/source/gitrepository.js';
import { HelmChartKind } from '../../../api/source/helmchart.js';
import { OCIRepositoryKind } from '../../../api/source/ocirepository.js';
import type { ArtifactSourceReference } from '../../../api/sourceextensions/artifactgenerator.js';
import { ArtifactGeneratorKind } from '../../../api/sourceextensions/artifactgenerator.js';
import { resourceFor, type ResourceType } from '../../../runtime/client/resource.js';

export const ArtifactGenerators = resourceFor(ArtifactGeneratorKind);
export const ExternalArtifacts = resourceFor(ExternalArtifactKind);

export type SourceKind = ArtifactSourceReference['kind'];

export const SourceResources: Readonly<Record<SourceKind, ResourceType>> = {
  Bucket: resourceFor(BucketKind),
  GitRepository: resourceFor(GitRepositoryKind),
  OCIRepository: resourceFor(OCIRepositoryKind),
  HelmChart: resourceFor(HelmChartKind),
  ExternalArtifact: ExternalArtifacts,
};

/** What the controller reads from any source kind. */
export type SourceObject = KubeObject<unknown, { artifact?: Artifact; conditions?: Condition[] }>;

/** Index key of a source: `Kind/namespace/name`. */
export function sourceKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
