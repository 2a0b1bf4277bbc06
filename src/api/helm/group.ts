export const HELM_GROUP = 'helm.toolkit.fluxcd.io';
/** Flux 2.9 puts HelmRelease and Kustomization in the shared `fluxcd-appliers` category. */
export const HELM_CATEGORIES = ['all', 'fluxcd', 'fluxcd-appliers'] as const;
