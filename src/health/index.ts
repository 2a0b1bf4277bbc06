// Health assessment: the kstatus-compatible health of live objects, CEL custom
// checks, and waiting for a set of objects to become healthy.
export { computeHealth, type HealthResult, type HealthStatus } from './status.js';
export {
  CelError,
  compileCel,
  compileHealthChecks,
  type CelOptions,
  type CelPhase,
  type CompiledCel,
  type CompiledHealthChecks,
} from './cel.js';
export {
  describeUnhealthy,
  subjectOf,
  waitForHealth,
  type HealthRef,
  type HealthReport,
  type HealthWaitOptions,
  type UnhealthyObject,
} from './wait.js';
