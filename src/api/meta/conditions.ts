// Condition types and reasons with Flux's names (fluxcd/pkg apis/meta and the per-kind APIs).
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Healthy: 'Healthy',
  ArtifactInStorage: 'ArtifactInStorage',
  ArtifactOutdated: 'ArtifactOutdated',
  SourceVerified: 'SourceVerified',
  FetchFailed: 'FetchFailed',
  BuildFailed: 'BuildFailed',
  StorageOperationFailed: 'StorageOperationFailed',
  IncludeUnavailable: 'IncludeUnavailable',
  Released: 'Released',
  TestSuccess: 'TestSuccess',
  Remediated: 'Remediated',
  Drifted: 'Drifted',
  AccessDenied: 'AccessDenied',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/**
 * "Abnormal-true" condition types: present only while True, removed otherwise
 * (kstatus reads Reconciling and Stalled that way).
 */
export const NEGATIVE_POLARITY_CONDITIONS: ReadonlySet<string> = new Set([
  ConditionType.Reconciling,
  ConditionType.Stalled,
  ConditionType.ArtifactOutdated,
  ConditionType.FetchFailed,
  ConditionType.BuildFailed,
  ConditionType.StorageOperationFailed,
  ConditionType.IncludeUnavailable,
]);

export const Reason = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  Suspended: 'Suspended',
  DependencyNotReady: 'DependencyNotReady',
  InvalidPath: 'InvalidPath',
  InvalidURL: 'InvalidURL',
  InsecureConnectionsDisallowed: 'InsecureConnectionsDisallowed',
  UnsupportedConnectionType: 'UnsupportedConnectionType',
  PruneFailed: 'PruneFailed',
  ArtifactFailed: 'ArtifactFailed',
  BuildFailed: 'BuildFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  HealthCheckCanceled: 'HealthCheckCanceled',
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  ReconciliationFailed: 'ReconciliationFailed',
  InvalidCELExpression: 'InvalidCELExpression',
  FeatureGateDisabled: 'FeatureGateDisabled',
  AccessDenied: 'AccessDenied',
  // source-controller
  URLInvalid: 'URLInvalid',
  AuthenticationFailed: 'AuthenticationFailed',
  VerificationError: 'VerificationError',
  DirectoryCreationFailed: 'DirectoryCreationFailed',
  StatOperationFailed: 'StatOperationFailed',
  ReadOperationFailed: 'ReadOperationFailed',
  AcquireLockFailed: 'AcquireLockFailed',
  ArchiveOperationFailed: 'ArchiveOperationFailed',
  SymlinkUpdateFailed: 'SymlinkUpdateFailed',
  ArtifactUpToDate: 'ArtifactUpToDate',
  CacheOperationFailed: 'CacheOperationFailed',
  PatchOperationFailed: 'PatchOperationFailed',
  InvalidSTSConfiguration: 'InvalidSTSConfiguration',
  InvalidProviderConfiguration: 'InvalidProviderConfiguration',
  NewRevision: 'NewRevision',
  GitOperationSucceeded: 'GitOperationSucceeded',
  GitOperationFailed: 'GitOperationFailed',
  IndexationFailed: 'IndexationFailed',
  ChartPullSucceeded: 'ChartPullSucceeded',
  ChartPackageSucceeded: 'ChartPackageSucceeded',
  BucketOperationSucceeded: 'BucketOperationSucceeded',
  BucketOperationFailed: 'BucketOperationFailed',
  OCIArtifactPullFailed: 'OCIArtifactPullFailed',
  OCIArtifactLayerOperationFailed: 'OCIArtifactLayerOperationFailed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const Annotation = {
  ReconcileRequestedAt: 'reconcile.fluxcd.io/requestedAt',
  ForceRequestedAt: 'reconcile.fluxcd.io/forceAt',
  ResetRequestedAt: 'reconcile.fluxcd.io/resetAt',
} as const;

export const Label = {
  ShardingKey: 'sharding.fluxcd.io/key',
  WatchConfigs: 'reconcile.fluxcd.io/watch',
} as const;

export const FLUX_FINALIZER = 'finalizers.fluxcd.io';
