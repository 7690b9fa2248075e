// Helpers for the tests of a stack that holds webhook endpoints, loaded as
// `import { normalizedTemplate, nagReport } from 'cdk-hardened-webhook/testing'` (package.json "exports").
// Plain TypeScript, outside the jsii API (functions and a jest serializer are not jsii shapes): the main
// entry point does not export them. No test runner is imported: they run under jest, vitest, node:test ...
export {
  normalizedTemplate,
  NormalizedTemplateOptions,
  webhookSnapshotSerializer,
  StackSnapshotSerializer,
  ASSET_HASH_PLACEHOLDER,
  LIBRARY_VERSION_PLACEHOLDER,
  SHIPPED_DATA_PLACEHOLDER,
  ANALYTICS_PLACEHOLDER,
} from './normalized-template';
export { nagReport, NagReport, NagReportFinding, NagReportOptions, NagPackName, NAG_PACKS } from './nag-report';
