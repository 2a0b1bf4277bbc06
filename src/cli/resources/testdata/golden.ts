// Golden files for CLI output: compared byte for byte; TIDE_UPDATE_GOLDEN=1 rewrites
// them (review the diff before committing).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function assertGolden(file: string, actual: string): void {
  if (process.env['TIDE_UPDATE_GOLDEN'] === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing; run with TIDE_UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `output differs from ${path.basename(file)}`);
}
