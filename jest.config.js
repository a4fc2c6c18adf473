/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // msw 2 depends on packages shipped only as ES modules; swc turns them into CommonJS for jest.
    '/node_modules/(.+\\.mjs|until-async/.+\\.js)$': ['@swc/jest'],
    // PGlite's CommonJS build loads node built-ins with import(), which jest's VM refuses without
    // --experimental-vm-modules; swc turns those into require() so PGlite runs under jest.
    '/node_modules/@electric-sql/pglite/dist/.+\\.cjs$': [
      '@swc/jest',
      { swcrc: false, jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!until-async/|@electric-sql/pglite/)(?!.+\\.mjs$)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};
