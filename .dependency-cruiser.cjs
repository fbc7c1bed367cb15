// The layers of src/, lowest first (docs/architecture.md draws them). A module may import its own layer and
// the layers below it, never one above: `npm run lint:layers` fails on such an import, and `npm test` runs it.
const LAYERS = [
  ['base', '^src/base/'],
  ['zone', '^src/zone/'],
  // DNSSEC keys (issue 19): read from BIND key files; below everything that signs or serves with them.
  ['dnssec', '^src/dnssec/'],
  ['discovery', '^src/discovery/'],
  ['health', '^src/health/'],
  // The peer link (issue 17): shares this instance's verdicts and hears its peers'; reads health's probe keys.
  ['peers', '^src/peers/'],
  ['answers', '^src/answers/'],
  ['dns', '^src/dns/'],
  ['observability', '^src/observability/'],
  ['workers', '^src/workers/'],
  ['runtime', '^src/runtime/'],
  ['cli', '^src/cli/'],
];

const upward = LAYERS.slice(0, -1).map(([name, from], index) => ({
  name: `${name}-imports-upward`,
  comment: `${name} may import only ${LAYERS.slice(0, index + 1)
    .map(([n]) => n)
    .join(', ')}`,
  severity: 'error',
  from: { path: from },
  to: { path: LAYERS.slice(index + 1).map(([, path]) => path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'src-imports-tests',
      comment: 'production code never imports test code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one: split what they share into a lower module',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
