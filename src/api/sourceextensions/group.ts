export const SOURCE_EXTENSIONS_GROUP = 'source.extensions.fluxcd.io';
