/**
 * The boundary lint (`npm run lint`): the layout's rules, enforced. See docs/architecture.md.
 * - src/platform is what every feature uses: it imports nothing from src/modules or the composition root.
 * - A module reaches another only through that module's public face (index.ts) or its Nest module file.
 * - No import cycle anywhere under src/.
 */
module.exports = {
  forbidden: [
    {
      name: 'platform-imports-no-feature',
      comment: 'src/platform must not know the features: the composition root (src/app.*) wires them in.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: ['^src/modules/', '^src/app\\.', '^src/main\\.ts$', '^src/bootstrap\\.ts$', '^src/[^/]+\\.cli\\.ts$'] },
    },
    {
      name: 'modules-not-into-the-root',
      comment: 'A module does not import the composition root.',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: ['^src/app\\.', '^src/main\\.ts$', '^src/bootstrap\\.ts$', '^src/[^/]+\\.cli\\.ts$'] },
    },
    {
      name: 'module-internals',
      comment: 'Another module is read through its public face (src/modules/<name>/index.ts) or its Nest module, never its internals.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/([^/]+)/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$', '^src/modules/([^/]+)/\\1\\.module\\.ts$'],
      },
    },
    {
      name: 'no-circular',
      comment: 'No file-level import cycle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
