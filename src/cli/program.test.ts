import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDefaultCommand } from './program.js';

describe('withDefaultCommand', () => {
  it('runs the default command when no command is given', () => {
    assert.deepEqual(withDefaultCommand([]), ['run']);
    assert.deepEqual(withDefaultCommand(['--exit-when-ready']), ['run', '--exit-when-ready']);
  });

  it('leaves commands, typos and root options to the parser', () => {
    assert.deepEqual(withDefaultCommand(['cluster', 'up']), ['cluster', 'up']);
    assert.deepEqual(withDefaultCommand(['clustr']), ['clustr']);
    assert.deepEqual(withDefaultCommand(['--help']), ['--help']);
    assert.deepEqual(withDefaultCommand(['--version']), ['--version']);
  });
});
