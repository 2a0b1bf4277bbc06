// ImagePolicy (image.toolkit.fluxcd.io): picks the latest image from an ImageRepository's
// tags by semver, alphabetical or numerical order, optionally after filtering the tags.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { NamespacedObjectReference } from '../meta/references.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, StringEnum, celRules } from '../schema.js';
import { IMAGE_CATEGORIES, IMAGE_GROUP } from './group.js';

export const DIGEST_REFLECTION_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type DigestReflectionPolicy = (typeof DIGEST_REFLECTION_POLICIES)[number];

/** Digest refresh interval under `digestReflectionPolicy: Always` when none is given. */
export const DEFAULT_DIGEST_REFRESH_INTERVAL = '10m';

const sortOrder = (description: string) =>
  Type.Optional(StringEnum(['asc', 'desc'] as const, { default: 'asc', description }));

export const ImagePolicyChoice = Type.Object(
  {
    semver: Type.Optional(
      Type.Object(
        {
          range: Type.String({
            description: 'Semver constraint; the highest matching tag wins (prereleases need `-0`).',
          }),
        },
        { description: 'Select by semantic version.' },
      ),
    ),
    alphabetical: Type.Optional(
      Type.Object(
        { order: sortOrder('`asc` selects the last tag in alphabetical order, `desc` the first.') },
        { description: 'Select by alphabetical order.' },
      ),
    ),
    numerical: Type.Optional(
      Type.Object(
        { order: sortOrder('`asc` selects the largest number, `desc` the smallest.') },
        { description: 'Select by numerical order.' },
      ),
    ),
  },
  { description: 'How the latest image is chosen; set one of the policies.' },
);
export type ImagePolicyChoice = Static<typeof ImagePolicyChoice>;

export const TagFilter = Type.Object(
  {
    pattern: Type.Optional(
      Type.String({ description: 'Go regular expression a tag must match; named groups allowed.' }),
    ),
    extract: Type.Optional(
      Type.String({ description: 'Template over the match (e.g. `$ts`) that the policy sorts by.' }),
    ),
  },
  { description: 'Restricts and rewrites the tags the policy considers.' },
);
export type TagFilter = Static<typeof TagFilter>;

export const ImagePolicySpec = Type.Object(
  {
    imageRepositoryRef: Type.Object(NamespacedObjectReference.properties, {
      description: 'ImageRepository whose tags are chosen from.',
    }),
    policy: ImagePolicyChoice,
    filterTags: Type.Optional(TagFilter),
    digestReflectionPolicy: Type.Optional(
      StringEnum(DIGEST_REFLECTION_POLICIES, {
        default: 'Never',
        description:
          'When `status.latestRef.digest` is set: never, once for a newly chosen image, or at every interval.',
      }),
    ),
    interval: Type.Optional(
      Duration({
        description: `How often to refresh the digest (Always only; ${DEFAULT_DIGEST_REFRESH_INTERVAL} by default).`,
      }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this policy.' })),
  },
  {
    description: 'Desired state of an image policy.',
    ...celRules(
      {
        rule: "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
        message: "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
      },
      {
        rule: "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
        message: "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
      },
    ),
  },
);
export type ImagePolicySpec = Static<typeof ImagePolicySpec>;

export const ImageRef = Type.Object(
  {
    name: Type.String({ description: 'Image name without tag or digest.' }),
    tag: Type.String({ description: 'Image tag.' }),
    digest: Type.Optional(Type.String({ description: 'Image digest, when reflected.' })),
  },
  { description: 'An image reference, `name:tag[@digest]` as a string.' },
);
export type ImageRef = Static<typeof ImageRef>;

/** `name:tag[@digest]`, the form the setters write into manifests. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}:${ref.tag}${ref.digest === undefined || ref.digest === '' ? '' : `@${ref.digest}`}`;
}

export const ImagePolicyStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    latestRef: Type.Optional(ImageRef),
    observedPreviousRef: Type.Optional(ImageRef),
  },
  { description: 'Observed state of an image policy.' },
);
export type ImagePolicyStatus = Static<typeof ImagePolicyStatus>;

export type ImagePolicy = KubeObject<ImagePolicySpec, ImagePolicyStatus>;

export const ImagePolicyKind = defineKind({
  group: IMAGE_GROUP,
  kind: 'ImagePolicy',
  plural: 'imagepolicies',
  singular: 'imagepolicy',
  shortNames: ['imgpol', 'imagepol'],
  categories: IMAGE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'ImagePolicy chooses the latest image of an ImageRepository.',
      spec: ImagePolicySpec,
      status: ImagePolicyStatus,
      printerColumns: [
        { name: 'Image', type: 'string', jsonPath: '.status.latestRef.name' },
        { name: 'Tag', type: 'string', jsonPath: '.status.latestRef.tag' },
        ...READY_COLUMNS,
        AGE_COLUMN,
      ],
    },
  ],
});
