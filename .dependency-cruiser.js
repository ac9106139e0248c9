/**
 * Import rules for src/, checked in CI (`npm run lint:deps`): no import cycles between files, and
 * none between folders (the folder-level check is scripts/check-folder-cycles.js, which uses this
 * tool's JSON output).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file that (indirectly) imports itself.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-is-a-leaf',
      severity: 'error',
      comment: 'common/ and config/ hold what every feature uses; they import no feature.',
      from: { path: '^src/(common|config)/' },
      to: { path: '^src/(?!common/|config/)' },
    },
    {
      name: 'no-gateway-in-services',
      severity: 'error',
      comment: 'Services publish events; only realtime/ knows about sockets.',
      from: { path: '^src/(?!realtime/)', pathNot: '^src/(app[.]module|app[.]factory|main|asyncapi-cli|openapi-cli|docs-cli)[.]ts$' },
      to: { path: '^src/realtime/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$' },
  },
};
