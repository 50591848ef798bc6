/** Dependency rules of STYLE.md, checked over the whole tree (also catches cycles). */

/** The adapters: one backend behind a port each, in a folder of its own. */
const ADAPTER_WITH_INDEX =
  'engine/(?:store/(?:sqlite|mongo)|queue/(?:sqlite|bullmq)|vault/(?:file|keytar)|dataplane/(?:postgres|mysql)|redis)';
const ADAPTER = `(?:${ADAPTER_WITH_INDEX})`;

/**
 * An adapter's files other than its index.ts. The Redis wing has a second public file: its one
 * connection factory, which the BullMQ queue adapter uses too.
 */
const REDIS_CONNECTION = '^engine/redis/connection\\.ts$';
const ADAPTER_INTERNALS = `^(?!engine/redis/connection\\.ts$)${ADAPTER_WITH_INDEX}/(?!index\\.ts$)`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Cycles of value imports; a cycle that only passes through `import type` is erased at build time.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'engine-not-to-src',
      comment: 'engine/ runs headless; it never imports the desktop (src/).',
      severity: 'error',
      from: { path: '^engine/' },
      to: { path: '^src/' },
    },
    {
      name: 'engine-not-to-electron',
      severity: 'error',
      from: { path: '^engine/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    {
      name: 'engine-not-to-sim',
      severity: 'error',
      from: { path: '^engine/', pathNot: '\\.test\\.ts$' },
      to: { path: '^sim/' },
    },
    {
      name: 'sim-independent',
      comment:
        'sim/ is an independent cluster; tests against it mean nothing if it shares engine code.',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^(engine|src)/' },
    },
    {
      name: 'renderer-types-only-from-engine',
      comment: 'The renderer may import only types from engine/ (domain, base, api/contracts).',
      severity: 'error',
      from: { path: '^src/renderer/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^engine/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-engine-types-from-public-parts',
      severity: 'error',
      from: { path: '^src/renderer/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^engine/', pathNot: '^engine/(domain|base)/|^engine/api/contracts\\.ts$' },
    },
    {
      name: 'renderer-not-to-electron-or-main',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^(src/main|src/preload)/|(^|/)node_modules/electron/' },
    },
    {
      name: 'preload-only-shared',
      severity: 'error',
      from: { path: '^src/preload/' },
      to: { path: '^(engine|src/main|src/renderer)/' },
    },
    {
      name: 'main-only-engine-entry',
      comment: 'src/main composes the engine through engine.ts and config.ts only.',
      severity: 'error',
      from: { path: '^src/main/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^engine/', pathNot: '^engine/(engine|config)\\.ts$' },
    },
    {
      name: 'base-domain-runtime-free',
      severity: 'error',
      from: { path: '^engine/(base|domain)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'base-domain-only-zod',
      severity: 'error',
      from: { path: '^engine/(base|domain)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm'], pathNot: '(^|/)node_modules/zod/' },
    },
    {
      name: 'kubedb-pure',
      severity: 'error',
      from: { path: '^engine/kubedb/', pathNot: '\\.test\\.ts$' },
      to: { path: '^engine/', pathNot: '^engine/(base|domain|kubedb)/' },
    },
    {
      name: 'adapters-below-services',
      severity: 'error',
      from: { path: '^engine/(kube|store|queue|vault)/' },
      to: { path: '^engine/(services|loops|api)/' },
    },
    {
      name: 'services-use-ports-not-adapters',
      severity: 'error',
      from: { path: '^engine/(services|loops|api)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^engine/(store|queue|vault)/(sqlite|mongo|bullmq|file|keytar)/|^engine/dataplane/(postgres|mysql)/|^engine/redis/',
      },
    },
    {
      name: 'services-not-to-loops-or-api',
      comment:
        'Services are the use cases the API calls and the loops drive: they never reach up into either.',
      severity: 'error',
      from: { path: '^engine/services/', pathNot: '\\.test\\.ts$' },
      to: { path: '^engine/(loops|api)/' },
    },
    {
      name: 'loops-not-to-api',
      comment:
        'The loops run without the HTTP API (a replica that is not the leader serves it alone).',
      severity: 'error',
      from: { path: '^engine/loops/', pathNot: '\\.test\\.ts$' },
      to: { path: '^engine/api/' },
    },
    {
      name: 'no-adapter-to-adapter',
      comment:
        'An adapter (one backend behind a port) never reaches into another: what two share goes in the port folder or engine/base.',
      severity: 'error',
      from: { path: `^(${ADAPTER})/`, pathNot: '\\.test\\.ts$' },
      to: { path: `^(${ADAPTER})/`, pathNot: ['^$1/', REDIS_CONNECTION] },
    },
    {
      name: 'no-adapter-internals',
      comment:
        'Outside its own folder an adapter is used through its index.ts only (engine.ts opens it there); its other files are its own.',
      severity: 'error',
      from: { pathNot: `^${ADAPTER}/` },
      to: { path: ADAPTER_INTERNALS },
    },
    {
      name: 'no-adapter-internals-across-adapters',
      comment: "Not even an adapter's tests reach into another adapter's files.",
      severity: 'error',
      from: { path: `^(${ADAPTER})/` },
      to: { path: ADAPTER_INTERNALS, pathNot: '^$1/' },
    },
    {
      name: 'redis-one-home',
      comment:
        'Redis has one home, engine/redis/ (its connections, scripts and key names). The BullMQ adapter is the named exception: BullMQ takes ioredis connections, so it names their type.',
      severity: 'error',
      from: { path: '^(engine|src|sim)/', pathNot: '^engine/(redis|queue/bullmq)/' },
      to: { path: '(^|/)node_modules/ioredis/' },
    },
    {
      name: 'sql-clients-in-their-adapters',
      comment:
        'The database clients of the data path live in their adapters: pg only in engine/dataplane/postgres/, mysql2 only in engine/dataplane/mysql/ (tests may use them to check data).',
      severity: 'error',
      from: { path: '^(engine|src|sim)/', pathNot: '^engine/dataplane/postgres/|\\.test\\.ts$' },
      to: { path: '(^|/)node_modules/(pg|pg-[a-z-]+)/' },
    },
    {
      name: 'mysql-client-in-its-adapter',
      severity: 'error',
      from: { path: '^(engine|src|sim)/', pathNot: '^engine/dataplane/mysql/|\\.test\\.ts$' },
      to: { path: '(^|/)node_modules/mysql2/' },
    },
    {
      name: 'api-not-to-adapters',
      severity: 'error',
      from: { path: '^engine/api/', pathNot: '\\.test\\.ts$' },
      to: { path: '^engine/(store|queue|vault|kube|loops|redis)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist|\\.tsbuild|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
