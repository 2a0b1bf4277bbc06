// The apply engine's public API.
export { inventoryOf, staleRefs } from './inventory.js';
export { objectId, objMetadataOf, parseObjectId, subjectOf, type ObjMetadata } from './object-id.js';
export {
  ApplyEngine,
  ApplyError,
  changeSetSummary,
  TerminationTimeoutError,
  type ApplyAction,
  type ApplyEngineOptions,
  type ApplyErrorReason,
  type ApplySetOptions,
  type ChangeSetEntry,
  type PruneFailure,
  type PruneOptions,
  type PruneResult,
} from './engine.js';
export { PolicyKeys } from './policies.js';
export { ApplyMemo } from './memo.js';
