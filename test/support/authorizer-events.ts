/** The tests reach the shared REQUEST authorizer events (fixtures/, also the benchmark's) through here. */
export { API_STAGE, authorizerEvent, concretePath } from '../../fixtures/authorizer-events';
