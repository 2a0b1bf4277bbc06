export const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
/** Flux 2.9 puts Kustomization and HelmRelease in the shared `fluxcd-appliers` category. */
export const KUSTOMIZE_CATEGORIES = ['all', 'fluxcd', 'fluxcd-appliers'] as const;
