/** @type {import('jest').Config} */
module.exports = {
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // jose 6 ships ES modules only: compiled to CommonJS for Jest (Node itself loads it with require(esm)).
    'node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.data/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  // Each test file starts its own nats-server and databases; two workers fit a 2-core machine.
  maxWorkers: 2,
  testTimeout: 60000,
  // Checks nats-server and chooses (or starts) the PostgreSQL server for the whole run; see test/support/global-setup.ts.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Node's, plus: no process a test file started outlives it, nor holds Jest's pipes (test/support/children.ts).
  testEnvironment: '<rootDir>/test/support/environment.ts',
};
