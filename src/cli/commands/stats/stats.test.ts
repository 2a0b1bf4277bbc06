import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { formatSize, kindStats, STATS_HEADERS, statsRow } from '../../inspect/stats-table.js';
import { loadObjects } from '../../inspect/testdata/fixtures.js';
import { assertGolden } from '../../inspect/testdata/golden.js';
import { formatTable } from '../../ui/table.js';
import { statsNouns } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const testdata = (name: string): string => path.join(here, 'testdata', name);

describe('stats', () => {
  it('counts running, failing and suspended objects and sums artifact sizes per kind', async () => {
    const objects = await loadObjects(testdata('objects.yaml'));
    const rows = statsNouns().map((n) =>
      statsRow(
        kindStats(
          n.kind.kind,
          objects.filter((o) => o.kind === n.kind.kind),
        ),
      ),
    );
    await assertGolden(testdata('stats.golden'), formatTable(STATS_HEADERS, rows).join('\n') + '\n');
  });

  it('prints sizes in binary units like Flux', () => {
    assert.equal(formatSize(0), '-');
    assert.equal(formatSize(1023), '1023 B');
    assert.equal(formatSize(1024), '1.0 KiB');
    assert.equal(formatSize(18432), '18.0 KiB');
    assert.equal(formatSize(3 * 1024 * 1024 + 512 * 1024), '3.5 MiB');
  });
});
