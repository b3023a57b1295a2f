/** The tests reach the shared DynamoDB Local starter (fixtures/, also the benchmark's) through here. */
export { freePort, startDynamoDbLocal, type RunningDynamo } from '../../fixtures/dynamodb';
