import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes one JSON object per line, filters by level and redacts fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(0) }).with({
      controller: 'test',
    });
    log.debug('hidden');
    log.info('fetched', { url: 'https://u:p@h/x?token=1', count: 2 });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0] ?? ''), {
      level: 'info',
      ts: '1970-01-01T00:00:00.000Z',
      msg: 'fetched',
      controller: 'test',
      url: 'https://h/x',
      count: 2,
    });
  });
});
