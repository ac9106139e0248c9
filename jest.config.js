/**
 * Four tiers, each runnable alone (`jest --selectProjects e2e`, see the test:* scripts):
 * unit (src, in-process), e2e (the built service against PostgreSQL, a database per file),
 * reliability (crashes, outages, fuzzing, abuse limits) and web (the web client in Chromium).
 * @type {import('jest').Config}
 */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
};

module.exports = {
  // A global option: Jest ignores it inside a project.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src'], testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/reliability/',
        '<rootDir>/test/web/',
        '<rootDir>/test/web[^/]*\\.e2e-spec\\.ts$',
      ],
    },
    { ...common, displayName: 'reliability', roots: ['<rootDir>/test/reliability'], testMatch: ['**/*.e2e-spec.ts'] },
    {
      ...common,
      displayName: 'web',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/web*.e2e-spec.ts', '<rootDir>/test/web/**/*.e2e-spec.ts'],
    },
  ],
};
