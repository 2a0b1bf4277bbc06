// ImageUpdateAutomation (image.toolkit.fluxcd.io): checks out a GitRepository, rewrites the
// image references marked with `$imagepolicy` setters to the policies' latest images,
// commits and pushes.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { LabelSelector, LocalObjectReference } from '../meta/references.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, MapOf, StringEnum, StringMap, Timestamp } from '../schema.js';
import { GitRepositoryRef } from '../source/gitrepository.js';
import { IMAGE_CATEGORIES, IMAGE_GROUP } from './group.js';
import { ImageRef } from './imagepolicy.js';

/** Commit message when `git.commit.messageTemplate` is omitted. */
export const DEFAULT_COMMIT_MESSAGE = 'Update from image update automation';

export const CrossNamespaceSourceReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the source.' })),
    kind: StringEnum(['GitRepository'] as const, {
      default: 'GitRepository',
      description: 'Kind of the source; only GitRepository.',
    }),
    name: Type.String({ description: 'Name of the source.' }),
    namespace: Type.Optional(
      Type.String({ description: "Namespace of the source; the automation's namespace when omitted." }),
    ),
  },
  { description: 'The GitRepository to update; its URL, credentials, proxy and timeout are used.' },
);

export const CommitUser = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'Author name.' })),
    email: Type.String({ description: 'Author email.' }),
  },
  { description: 'Author of the commits.' },
);

export const SigningKey = Type.Object(
  {
    secretRef: Type.Object(LocalObjectReference.properties, {
      description:
        'Secret with the key: `git.asc` and `passphrase` (gpg), or `identity` and `password` (ssh).',
    }),
    type: Type.Optional(
      StringEnum(['gpg', 'ssh'] as const, { default: 'gpg', description: 'Kind of signing key.' }),
    ),
  },
  { description: 'Signs the commits.' },
);

export const CommitSpec = Type.Object(
  {
    author: CommitUser,
    signingKey: Type.Optional(SigningKey),
    messageTemplate: Type.Optional(
      Type.String({
        description: `Go text/template (with Sprig) for the commit message; "${DEFAULT_COMMIT_MESSAGE}" by default.`,
      }),
    ),
    messageTemplateValues: Type.Optional(
      StringMap({ description: 'Extra values available to the template as `.Values`.' }),
    ),
  },
  { description: 'How changes are committed.' },
);

export const PushSpec = Type.Object(
  {
    branch: Type.Optional(
      Type.String({ description: 'Branch to push to, created from the checkout branch when missing.' }),
    ),
    refspec: Type.Optional(
      Type.String({ description: 'Refspec to push with; together with branch, both are pushed.' }),
    ),
    options: Type.Optional(StringMap({ description: 'Git push options (`git push -o`).' })),
  },
  { description: 'Where commits are pushed; the checkout branch by default.' },
);

export const GitSpec = Type.Object(
  {
    checkout: Type.Optional(
      Type.Object(
        { ref: GitRepositoryRef },
        { description: "What to check out; the GitRepository's ref by default." },
      ),
    ),
    commit: CommitSpec,
    push: Type.Optional(PushSpec),
  },
  { description: 'Git checkout, commit and push settings.' },
);

export const UpdateStrategy = Type.Object(
  {
    strategy: Type.Optional(
      StringEnum(['Setters'] as const, {
        default: 'Setters',
        description: 'How files are updated; Setters rewrites fields marked with `$imagepolicy` comments.',
      }),
    ),
    path: Type.Optional(Type.String({ description: 'Directory to update; the repository root by default.' })),
  },
  { default: { strategy: 'Setters' }, description: 'How the files in the repository are updated.' },
);

export const ImageUpdateAutomationSpec = Type.Object(
  {
    sourceRef: CrossNamespaceSourceReference,
    git: Type.Optional(GitSpec),
    interval: Duration({ description: 'Minimum time between automation runs.' }),
    policySelector: Type.Optional(
      Type.Object(LabelSelector.properties, {
        'x-kubernetes-map-type': 'atomic',
        description: 'ImagePolicies to apply, by label; all in the namespace when omitted.',
      }),
    ),
    update: Type.Optional(UpdateStrategy),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop running this automation.' })),
  },
  { description: 'Desired state of an image update automation.' },
);
export type ImageUpdateAutomationSpec = Static<typeof ImageUpdateAutomationSpec>;

export const ImageUpdateAutomationStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    lastAutomationRunTime: Type.Optional(
      Timestamp({ description: 'When the automation last ran to completion, changes or not.' }),
    ),
    lastPushCommit: Type.Optional(Type.String({ description: 'SHA of the last commit pushed.' })),
    lastPushTime: Type.Optional(Timestamp({ description: 'When a change was last pushed.' })),
    observedPolicies: Type.Optional(
      MapOf(ImageRef, { description: 'Latest image of each policy the last run applied, by policy name.' }),
    ),
    observedSourceRevision: Type.Optional(
      Type.String({ description: 'Source revision the last run started from, e.g. `main@sha1:…`.' }),
    ),
  },
  { description: 'Observed state of an image update automation.' },
);
export type ImageUpdateAutomationStatus = Static<typeof ImageUpdateAutomationStatus>;

export type ImageUpdateAutomation = KubeObject<ImageUpdateAutomationSpec, ImageUpdateAutomationStatus>;

export const ImageUpdateAutomationKind = defineKind({
  group: IMAGE_GROUP,
  kind: 'ImageUpdateAutomation',
  plural: 'imageupdateautomations',
  singular: 'imageupdateautomation',
  shortNames: ['iua', 'imgupd', 'imgauto'],
  categories: IMAGE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'ImageUpdateAutomation writes the latest images chosen by ImagePolicies back to Git.',
      spec: ImageUpdateAutomationSpec,
      status: ImageUpdateAutomationStatus,
      printerColumns: [
        ...READY_COLUMNS,
        { name: 'Last run', type: 'string', jsonPath: '.status.lastAutomationRunTime', priority: 1 },
        AGE_COLUMN,
      ],
    },
  ],
});
