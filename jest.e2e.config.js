// The end-to-end suite (npm run test:e2e → scripts/e2e.mjs): test/e2e/**/*.e2e.ts against moto_server,
// apart from `npm test`, whose config matches only *.test.ts.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  // The bundled handlers are loaded as they are, not transformed.
  transformIgnorePatterns: [...base.transformIgnorePatterns, '<rootDir>/assets/'],
  testTimeout: 60000,
};
