/**
 * Runs before every test file: the management Lambdas log only errors and
 * write no EMF metrics during tests, so `npm test` shows test results, not
 * the WARN lines of every refused login the tests provoke. The tests that
 * check those lines and metrics turn them back on (`LOUD_LOGS`) in the environment
 * they load the handlers with; a fault is still logged, at ERROR.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/** The environment that turns the handlers' WARN and INFO lines and their metrics back on. */
export const LOUD_LOGS = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' } as const;
