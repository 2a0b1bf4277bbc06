import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTide } from '../../testdata/context.js';

describe('tide envsubst', () => {
  it("substitutes with Flux's syntax from the environment, leaving $var and $${var} alone", async () => {
    const res = await runTide(['envsubst'], {
      env: { NAME: 'podinfo', REGION: 'eu-west-1' },
      stdin:
        'name: ${NAME}\nregion: ${REGION^^}\nenv: ${ENV:=dev}\nshell: $HOME\nliteral: $${NAME}\nrepl: ${NAME/pod/app}\nmissing: "${UNSET}"\n',
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stdout,
      'name: podinfo\nregion: EU-WEST-1\nenv: dev\nshell: $HOME\nliteral: ${NAME}\nrepl: appinfo\nmissing: ""\n',
    );
  });

  it('--strict fails naming every unset variable without a default, and prints nothing', async () => {
    const res = await runTide(['envsubst', '--strict'], {
      env: { SET: 'x' },
      stdin: 'a: ${SET}\nb: ${FIRST}\nc: ${WITH_DEFAULT:=ok}\nd: ${SECOND}-${FIRST}\n',
    });
    assert.equal(res.code, 1);
    assert.equal(res.stdout, '');
    assert.match(
      res.stderr,
      /✗ variables not set \(--strict\): FIRST, SECOND: export them, or give a default such as \$\{FIRST:=value\}/,
    );
    const ok = await runTide(['envsubst', '--strict'], { env: { SET: '' }, stdin: '${SET}|${D:-d}' });
    assert.equal(ok.code, 0, 'a variable set to the empty string is set');
    assert.equal(ok.stdout, '|d');
  });

  it('points at the line and column of a bad expression', async () => {
    const res = await runTide(['envsubst'], { stdin: 'ok: 1\nbad: ${NAME\n' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /stdin line 2, column \d+: .*write a literal "\$\{" as "\$\$\{"/);
  });
});
