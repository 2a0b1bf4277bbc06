// Reference types shared by the Flux kinds (fluxcd/pkg apis/meta and friends).
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, StringMap } from '../schema.js';

export const LocalObjectReference = Type.Object(
  { name: Type.String({ description: 'Name of the referent.' }) },
  { description: 'A reference to an object in the same namespace.' },
);
export type LocalObjectReference = Static<typeof LocalObjectReference>;

export const NamespacedObjectReference = Type.Object(
  {
    name: Type.String({ description: 'Name of the referent.' }),
    namespace: Type.Optional(
      Type.String({ description: "Namespace of the referent; the referrer's namespace when omitted." }),
    ),
  },
  { description: 'A reference to an object, possibly in another namespace.' },
);
export type NamespacedObjectReference = Static<typeof NamespacedObjectReference>;

export const NamespacedObjectKindReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the referent.' })),
    kind: Type.String({ description: 'Kind of the referent.' }),
    name: Type.String({ description: 'Name of the referent.' }),
    namespace: Type.Optional(
      Type.String({ description: "Namespace of the referent; the referrer's namespace when omitted." }),
    ),
  },
  { description: 'A reference to an object of a given kind, possibly in another namespace.' },
);
export type NamespacedObjectKindReference = Static<typeof NamespacedObjectKindReference>;

export const SecretKeyReference = Type.Object(
  {
    name: Type.String({ description: 'Name of the Secret.' }),
    key: Type.Optional(
      Type.String({ description: 'Key in the Secret; a kind-specific default when omitted.' }),
    ),
  },
  { description: 'A key of a Secret in the same namespace.' },
);
export type SecretKeyReference = Static<typeof SecretKeyReference>;

export const DependencyReference = Type.Object(
  {
    name: Type.String({ description: 'Name of the dependency.' }),
    namespace: Type.Optional(
      Type.String({ description: "Namespace of the dependency; the dependant's namespace when omitted." }),
    ),
    readyExpr: Type.Optional(
      Type.String({
        description:
          'CEL expression over `dep` and `self` that decides readiness instead of the Ready condition.',
      }),
    ),
  },
  { description: 'An object that must be ready before this one is reconciled.' },
);
export type DependencyReference = Static<typeof DependencyReference>;

export const KubeConfigReference = Type.Object(
  {
    configMapRef: Type.Optional(LocalObjectReference),
    secretRef: Type.Optional(SecretKeyReference),
  },
  {
    description:
      'Where to find the kubeconfig of a remote cluster: a Secret, or a ConfigMap for secret-less access.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.configMapRef) != has(self.secretRef)',
        message: 'exactly one of configMapRef or secretRef must be set',
      },
    ],
  },
);
export type KubeConfigReference = Static<typeof KubeConfigReference>;

export const ValuesReference = Type.Object(
  {
    kind: StringEnum(['Secret', 'ConfigMap'] as const, { description: 'Kind of the values source.' }),
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
      description: 'Name of the values source, in the referrer namespace.',
    }),
    valuesKey: Type.Optional(
      Type.String({
        maxLength: 253,
        pattern: '^[\\-._a-zA-Z0-9]+$',
        description: 'Data key holding the values; `values.yaml` when omitted.',
      }),
    ),
    targetPath: Type.Optional(
      Type.String({
        maxLength: 250,
        pattern: '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$',
        description:
          'Path (helm --set syntax) the value is written to, instead of merging the whole document.',
      }),
    ),
    optional: Type.Optional(Type.Boolean({ description: 'Tolerate a missing source or key.' })),
    literal: Type.Optional(
      Type.Boolean({ description: 'Treat the value at targetPath as a literal (--set-literal).' }),
    ),
  },
  { description: 'A Secret or ConfigMap key whose content becomes chart values.' },
);
export type ValuesReference = Static<typeof ValuesReference>;

export const NamespaceSelector = Type.Object(
  {
    matchLabels: Type.Optional(
      StringMap({ description: 'Labels a namespace must carry; empty matches all.' }),
    ),
  },
  { description: 'Selects namespaces by label.' },
);

export const AccessFrom = Type.Object(
  {
    namespaceSelectors: Type.Array(NamespaceSelector, {
      description: 'Namespaces allowed to reference this object; entries are ORed.',
    }),
  },
  { description: 'Access control list for cross-namespace references.' },
);
export type AccessFrom = Static<typeof AccessFrom>;

export const LabelSelectorRequirement = Type.Object({
  key: Type.String(),
  operator: Type.String({ description: 'In, NotIn, Exists or DoesNotExist.' }),
  values: Type.Optional(Type.Array(Type.String())),
});

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(StringMap()),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement)),
  },
  { description: 'A Kubernetes label selector.', 'x-kubernetes-map-type': 'atomic' },
);
export type LabelSelector = Static<typeof LabelSelector>;
