/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // msw 2 depends on packages shipped only as ES modules; swc turns them into CommonJS for jest.
  transform: { '^.+\\.ts$': ['@swc/jest'], '/node_modules/(.+\\.mjs|until-async/.+\\.js)$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!until-async/)(?!.+\\.mjs$)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};
