import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from './events.js';

describe('parseEvent', () => {
  it('reads JSON event lines', () => {
    assert.deepEqual(parseEvent('{"event":"apiserver-restarted"}'), { event: 'apiserver-restarted' });
    const failed = parseEvent('{"event":"failed","component":"etcd","log":"/d/logs/etcd.log","message":"m"}');
    assert.equal(failed?.event, 'failed');
  });

  it('ignores other output', () => {
    assert.equal(parseEvent('localcluster: ready in 3.1s'), undefined);
    assert.equal(parseEvent('{not json'), undefined);
    assert.equal(parseEvent('{"no":"event"}'), undefined);
    assert.equal(parseEvent(''), undefined);
  });
});
