// The object reference Alerts and Receivers use to select Flux objects, by kind and
// name (or `*` plus labels), possibly in another namespace.
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, StringMap } from '../schema.js';

/** The Flux kinds an Alert can listen to and a Receiver can trigger. */
export const NOTIFICATION_OBJECT_KINDS = [
  'Bucket',
  'GitRepository',
  'Kustomization',
  'HelmRelease',
  'HelmChart',
  'HelmRepository',
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
  'OCIRepository',
  'ArtifactGenerator',
  'ExternalArtifact',
] as const;

export const CrossNamespaceObjectReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the referent.' })),
    kind: StringEnum(NOTIFICATION_OBJECT_KINDS, { description: 'Kind of the referent.' }),
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'Name of the referent, or `*` for every object of the kind.',
    }),
    namespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        description: "Namespace of the referent; the referrer's namespace when omitted.",
      }),
    ),
    matchLabels: Type.Optional(
      StringMap({ description: 'Labels the objects must all carry; only with name `*`.' }),
    ),
  },
  { description: 'Flux objects of one kind, by name or by labels, possibly in another namespace.' },
);
export type CrossNamespaceObjectReference = Static<typeof CrossNamespaceObjectReference>;
