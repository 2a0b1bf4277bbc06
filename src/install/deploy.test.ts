// deploy/ is generated: it must be exactly what the code produces, and exactly what
// `tide install --export` prints with the default options.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTide } from '../cli/testdata/context.js';
import { cliVersion } from '../cli/commands/version/index.js';
import { DEPLOY_DIR, renderDeployBase } from './deploy.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const deployDir = path.join(repoRoot, DEPLOY_DIR);
const update = process.env['TIDE_UPDATE_GOLDEN'] === '1';

describe('deploy/ base', () => {
  const files = renderDeployBase(cliVersion());

  if (update) {
    mkdirSync(deployDir, { recursive: true });
    for (const [name, content] of files) writeFileSync(path.join(deployDir, name), content);
  }

  it('holds exactly the generated files', () => {
    assert.deepEqual(
      readdirSync(deployDir).sort(),
      [...files.keys()].sort(),
      'deploy/ has other files than generated',
    );
    for (const [name, content] of files) {
      assert.equal(
        readFileSync(path.join(deployDir, name), 'utf8'),
        content,
        `deploy/${name} is stale: regenerate with TIDE_UPDATE_GOLDEN=1 node --import tsx --test src/install/deploy.test.ts`,
      );
    }
  });

  it('is what `tide install --export` prints with the default options', async () => {
    const res = await runTide(['install', '--export']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, '', 'export writes nothing to stderr');
    assert.equal(res.stdout, readFileSync(path.join(deployDir, 'tide.yaml'), 'utf8'));
  });
});
