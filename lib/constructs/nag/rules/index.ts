// One rule per file, as cdk-nag's own: each a pure function over one CloudFormation resource.
export { APITlsPolicy, isEnhancedTls12Policy } from './api-tls-policy';
export { APIStageWAF } from './api-stage-waf';
export { APINoCORS } from './api-no-cors';
export { RouteFunctionConcurrency } from './route-function-concurrency';
export { SecretRotation, MAX_ROTATION_DAYS } from './secret-rotation';
export { QueueCMK } from './queue-cmk';
export { QueueDLQ } from './queue-dlq';
export { DLQAlarm } from './dlq-alarm';
export { APIStageAccessLogs } from './api-stage-access-logs';
