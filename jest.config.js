/**
 * One jest project: unit specs sit beside the code (src/**), end-to-end and contract suites in test/, and the
 * typed client's specs in its workspace package (clients/typescript), so `npm test` runs them all.
 */
const ESM_ONLY = '(content-disposition|htmlparser2|domhandler|domutils|domelementtype|dom-serializer|entities)';

module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/clients/typescript'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // @fastify/static (Swagger UI on Fastify) requires the ESM-only content-disposition, sanitize-html the
    // ESM-only htmlparser2 family; Node loads them with require(esm), jest's module system cannot, so jest
    // compiles those packages to CommonJS.
    [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY}/)`],
  testTimeout: 30000,
};
