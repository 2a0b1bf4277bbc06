/**
 * Git client for GitRepository sources: the `git` CLI in an isolated environment, with secrets
 * only in env and 0600 temp files, typed and sanitized errors, and in-process signature checks.
 */
export { checkout, type CheckoutOptions, type CheckoutResult } from './checkout.js';
export {
  displayUrl,
  GitAbortedError,
  GitAuthError,
  GitError,
  GitInvalidInputError,
  GitNotFoundError,
  GitTimeoutError,
  VerificationError,
  type VerificationFailure,
} from './errors.js';
export { DEFAULT_BRANCH, listRemoteRefs, resolveRef, type ListRemoteRefsOptions } from './remote.js';
export {
  authFromSecret,
  proxyFromSecret,
  type GitAuth,
  type GitCredentials,
  type GitTls,
  type ProxyConfig,
  type RefKind,
  type RemoteRef,
  type RemoteRefs,
  type ResolvedRef,
  type SecretData,
} from './types.js';
export {
  verifyCommit,
  verifyTag,
  type VerificationResult,
  type VerifyCommitOptions,
  type VerifyTagOptions,
} from './verify.js';
