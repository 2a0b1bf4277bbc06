// What an extracted tar entry may be: its name must stay inside the destination and
// its type must be a regular file or a directory (fluxcd/pkg/tar rules, tightened).
import { TypeFlag } from './tar-header.js';

const MAX_NAME_BYTES = 4096;

/** An archive refused or failed during extraction; `entry` names the offending entry. */
export class UntarError extends Error {
  constructor(
    message: string,
    readonly entry?: string,
    options?: { cause?: unknown },
  ) {
    super(entry === undefined ? message : `tar entry ${quote(entry)}: ${message}`, options);
    this.name = 'UntarError';
  }
}

export type EntryKind =
  'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'FIFO' | `unknown type ${string}`;

export function entryKind(typeflag: string, name: string): EntryKind {
  switch (typeflag) {
    case TypeFlag.file:
      return 'file';
    case TypeFlag.fileOld:
      return name.endsWith('/') ? 'dir' : 'file';
    case TypeFlag.directory:
      return 'dir';
    case TypeFlag.symlink:
      return 'symlink';
    case TypeFlag.hardLink:
      return 'hardlink';
    case TypeFlag.charDevice:
    case TypeFlag.blockDevice:
      return 'device';
    case TypeFlag.fifo:
      return 'FIFO';
    default:
      return `unknown type ${JSON.stringify(typeflag)}`;
  }
}

/** The entry's path components; throws for names that could land outside dest. */
export function entryComponents(name: string): string[] {
  if (name === '') throw new UntarError('empty entry name', name);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES)
    throw new UntarError(`name longer than ${MAX_NAME_BYTES} bytes`, name.slice(0, 120));
  if (name.includes('\\')) throw new UntarError('name contains a backslash', name);
  if (name.includes('\0')) throw new UntarError('name contains NUL', name);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new UntarError('absolute name', name);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UntarError('name contains a ".." component', name);
  return parts;
}

export function quote(s: string): string {
  const q = JSON.stringify(s);
  return q.length > 200 ? q.slice(0, 197) + '..."' : q;
}
