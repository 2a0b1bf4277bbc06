// Golden files for the local-build commands: output compared with a reviewed file under
// testdata/; TIDE_UPDATE_GOLDEN=1 rewrites the file instead (review the change).
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function assertGolden(file: string, actual: string): Promise<void> {
  if (process.env['TIDE_UPDATE_GOLDEN'] === '1') {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, actual);
    return;
  }
  const expected = await readFile(file, 'utf8').catch(() => undefined);
  if (expected === undefined) {
    assert.fail(`golden file ${file} is missing: run the test with TIDE_UPDATE_GOLDEN=1 and review it`);
  }
  assert.equal(actual, expected, `output differs from ${file} (TIDE_UPDATE_GOLDEN=1 rewrites it)`);
}
