/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // @octokit/webhooks-methods (a signing oracle) ships only ES modules.
    '^.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@octokit/)'],
  moduleNameMapper: { '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js' },
  testTimeout: 60000,
  // scripts/jest-figures-reporter.js: a full run counts the tests for the docs' figure:tests (and fails when it is stale).
  reporters: ['default', '<rootDir>/scripts/jest-figures-reporter.js', '<rootDir>/test/support/summary-reporter.js'],
};
