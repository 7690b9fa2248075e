export * from './hardened-webhook-endpoint';
export * from './webhook-source';
export * from './signature-scheme';
export { KeySource } from './key-source';
export { CustomDomainOptions, TLS12_OR_NEWER_POLICIES, DEFAULT_TLS_POLICY } from './webhook-api';
export { COUNTED_COMMON_RULES, COUNTED_ANONYMOUS_IP_RULES } from './webhook-firewall';
export { METRIC_NAMESPACE, Outcome } from './metrics-contract';
export * as runtime from './runtime';
export * from './webhook-monitoring';
