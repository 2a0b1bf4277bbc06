export const IMAGE_GROUP = 'image.toolkit.fluxcd.io';
export const IMAGE_CATEGORIES = ['all', 'fluxcd', 'fluxcd-images'] as const;
