/** The tests reach the shared Lambda context (fixtures/, also the benchmark's) through here. */
export { lambdaContext } from '../../fixtures/lambda-context';
