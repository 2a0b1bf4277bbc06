export const NOTIFICATION_GROUP = 'notification.toolkit.fluxcd.io';
export const NOTIFICATION_CATEGORIES = ['all', 'fluxcd', 'fluxcd-notifications'] as const;
