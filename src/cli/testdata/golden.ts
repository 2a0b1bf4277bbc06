// Golden files for CLI output: what a command printed is compared byte for byte with a
// reviewed file under testdata/; TIDE_UPDATE_GOLDEN=1 rewrites the files instead (review
// the diff before committing).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function assertGoldenSync(file: string, actual: string): void {
  if (process.env['TIDE_UPDATE_GOLDEN'] === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(
    existsSync(file),
    `golden file ${file} is missing: run the test with TIDE_UPDATE_GOLDEN=1 and review it`,
  );
  assert.equal(
    actual,
    readFileSync(file, 'utf8'),
    `output differs from ${file} (TIDE_UPDATE_GOLDEN=1 rewrites it)`,
  );
}

/** The same, for tests written with await. */
export function assertGolden(file: string, actual: string): Promise<void> {
  assertGoldenSync(file, actual);
  return Promise.resolve();
}
