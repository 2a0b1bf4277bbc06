// Golden files: see src/cli/testdata/golden.ts.
export { assertGolden } from '../../testdata/golden.js';
