// Parameters and results of tide-render's operations (renderer/internal/*),
// field for field as they cross the wire.

/** A Kustomize patch with an optional target (Flux's spec.patches[]). */
export interface PatchSpec {
  readonly patch: string;
  readonly target?: {
    readonly group?: string;
    readonly version?: string;
    readonly kind?: string;
    readonly name?: string;
    readonly namespace?: string;
    readonly labelSelector?: string;
    readonly annotationSelector?: string;
  };
}

/** A Kustomize image override (Flux's spec.images[]). */
export interface ImageSpec {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** SOPS keys held in memory: age identities and ASCII-armored OpenPGP private keys. */
export interface SopsKeys {
  readonly age?: readonly string[];
  readonly pgp?: readonly string[];
}

/** The parts of a Flux Kustomization spec that shape the build. */
export interface KustomizeSpec {
  readonly targetNamespace?: string;
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  readonly patches?: readonly PatchSpec[];
  readonly images?: readonly ImageSpec[];
  readonly components?: readonly string[];
  readonly ignoreMissingComponents?: boolean;
  readonly commonMetadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly buildMetadata?: readonly ('originAnnotations' | 'transformerAnnotations')[];
}

export interface KustomizeBuildParams {
  /** The artifact root: nothing outside it is read. */
  readonly root: string;
  /** The folder to build, relative to root (Flux's spec.path). */
  readonly path: string;
  readonly allowRemoteBases?: boolean;
  readonly spec?: KustomizeSpec;
  /** SOPS keys; when absent, an encrypted Secret in the output is an error. */
  readonly decryption?: { readonly keys: SopsKeys } | null;
  /** Output cap in bytes (0: the helper's default). */
  readonly maxOutputBytes?: number;
}

export interface HelmCapabilities {
  /** e.g. v1.36.3; Helm's default when absent. */
  readonly kubeVersion?: string;
  /**
   * The complete set of `group/version` and `group/version/Kind` entries the
   * cluster serves (from discovery); Helm's built-in default set when absent.
   */
  readonly apiVersions?: readonly string[];
  /** Added to the set, as `helm template --api-versions`. */
  readonly extraAPIVersions?: readonly string[];
}

export interface HelmRenderParams {
  /** Confinement root for the chart and values files. */
  readonly root: string;
  /** A chart folder or .tgz archive, relative to root. */
  readonly chart: string;
  readonly valuesFiles?: readonly string[];
  readonly values?: Readonly<Record<string, unknown>>;
  readonly releaseName: string;
  readonly namespace: string;
  readonly revision?: number;
  readonly isUpgrade?: boolean;
  readonly capabilities?: HelmCapabilities;
  /** Serve `lookup` from the live cluster (through the lookup callback); false renders empty lookups, as a dry run. */
  readonly lookup?: boolean;
  readonly includeCRDs?: boolean;
  readonly skipSchemaValidation?: boolean;
  readonly disableHooks?: boolean;
  readonly postRenderers?: readonly {
    readonly kustomize?: { readonly patches?: readonly PatchSpec[]; readonly images?: readonly ImageSpec[] };
  }[];
  readonly maxOutputBytes?: number;
}

export interface HelmHook {
  readonly name: string;
  readonly kind: string;
  readonly path: string;
  readonly manifest: string;
  readonly events: readonly string[];
  readonly weight: number;
  readonly deletePolicies: readonly string[];
}

export interface HelmRenderResult {
  /** The release manifest as Helm stores it: non-hook objects, `---\n# Source: …` headers, Helm's order. */
  readonly manifest: string;
  readonly hooks: readonly HelmHook[];
  readonly crds: readonly { readonly name: string; readonly content: string }[];
  readonly notes: string;
  readonly chart: { readonly name: string; readonly version: string; readonly appVersion: string };
}

/** What Helm's `lookup` asks for; name "" lists. */
export interface LookupRequest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Answers a lookup: the object, undefined when not found, or a List for name "". */
export type LookupFn = (req: LookupRequest) => Promise<Record<string, unknown> | undefined>;

export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';
