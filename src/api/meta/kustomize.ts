// Kustomize-flavoured types shared by Kustomization, HelmRelease post-renderers and ArtifactGenerator.
import { Type, type Static } from '@sinclair/typebox';
import { StringMap } from '../schema.js';

export const Selector = Type.Object(
  {
    group: Type.Optional(Type.String({ description: 'API group (regular expression).' })),
    version: Type.Optional(Type.String({ description: 'API version (regular expression).' })),
    kind: Type.Optional(Type.String({ description: 'Kind (regular expression).' })),
    namespace: Type.Optional(Type.String({ description: 'Namespace (regular expression).' })),
    name: Type.Optional(Type.String({ description: 'Name (regular expression).' })),
    annotationSelector: Type.Optional(Type.String({ description: 'Annotation selector expression.' })),
    labelSelector: Type.Optional(Type.String({ description: 'Label selector expression.' })),
  },
  { description: 'Selects the objects a patch or rule applies to.' },
);
export type Selector = Static<typeof Selector>;

export const Patch = Type.Object(
  {
    patch: Type.String({ description: 'A strategic merge patch or a JSON6902 patch list, inline.' }),
    target: Type.Optional(Selector),
  },
  { description: 'A patch applied to the objects its target selects.' },
);
export type Patch = Static<typeof Patch>;

export const Image = Type.Object(
  {
    name: Type.String({ description: 'Image name to match in the manifests.' }),
    newName: Type.Optional(Type.String({ description: 'Replacement image name.' })),
    newTag: Type.Optional(Type.String({ description: 'Replacement tag.' })),
    digest: Type.Optional(Type.String({ description: 'Replacement digest; takes precedence over newTag.' })),
  },
  { description: 'An image override (kustomize images).' },
);
export type Image = Static<typeof Image>;

export const CustomHealthCheck = Type.Object(
  {
    apiVersion: Type.String({ description: 'API version of the kind (only the group is matched).' }),
    kind: Type.String({ description: 'Kind the expressions apply to.' }),
    current: Type.String({ description: 'CEL expression that is true when the object is healthy.' }),
    inProgress: Type.Optional(
      Type.String({ description: 'CEL expression that is true while the object progresses.' }),
    ),
    failed: Type.Optional(
      Type.String({ description: 'CEL expression that is true when the object failed.' }),
    ),
  },
  {
    description: 'Health of a custom kind expressed in CEL; evaluated inProgress, then failed, then current.',
  },
);
export type CustomHealthCheck = Static<typeof CustomHealthCheck>;

export const CommonMetadata = Type.Object(
  {
    labels: Type.Optional(StringMap({ description: 'Labels set on every object.' })),
    annotations: Type.Optional(StringMap({ description: 'Annotations set on every object.' })),
  },
  { description: 'Metadata added to every object.' },
);
export type CommonMetadata = Static<typeof CommonMetadata>;
