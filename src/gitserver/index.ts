/**
 * In-process git server (HTTPS smart HTTP + SSH) on loopback, for tests and the local demo.
 */
export { startGitServer } from './server.js';
export { InvalidRepoNameError } from './repo-names.js';
// Client-side conveniences: run git isolated from the user's config (as the tests here do).
export {
  execGit,
  GitCommandError,
  isolatedGitEnv,
  type GitResult,
  type GitRunOptions,
} from './git-process.js';
export type {
  CommitAuthor,
  CommitOptions,
  CreateRepoOptions,
  GitAuthMethod,
  GitServer,
  GitServerCredentials,
  GitServerOptions,
  GitService,
  GitTransport,
  Repo,
  RequestLogEntry,
  TagOptions,
} from './types.js';
