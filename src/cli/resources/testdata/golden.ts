// Golden files: see src/cli/testdata/golden.ts.
export { assertGoldenSync as assertGolden } from '../../testdata/golden.js';
