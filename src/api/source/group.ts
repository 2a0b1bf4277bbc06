export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const SOURCE_CATEGORIES = ['all', 'fluxcd', 'fluxcd-sources'] as const;
