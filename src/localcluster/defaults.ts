// Default locations, computed from an environment passed in by entry points.
import os from 'node:os';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** Where built binaries are cached: $XDG_CACHE_HOME/tide or ~/.cache/tide. */
export function defaultCacheDir(env: Env, home = os.homedir()): string {
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(home, '.cache'), 'tide');
}

/** The state directory of the cluster that `tide cluster up` starts by default. */
export function defaultClusterDir(tmpdir = os.tmpdir(), uid = os.userInfo().uid): string {
  return path.join(tmpdir, `tide-cluster-${uid}`);
}
