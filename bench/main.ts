import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { PgCluster } from '../test/support/pg-cluster.server';
import { BARE_SCHEMA_SQL } from './bare/bare-schema';
import { BenchContext, BenchOptions } from './lib/context';
import { connect, createDatabase, DEFAULT_SERVER_URL, dropDatabase, serverOf } from './lib/database';
import { ROOT } from './lib/processes';
import { markdownTable } from './lib/report';
import { SCENARIOS, ScenarioName } from './scenarios';

const USAGE = `Usage: npm run bench -- <scenario...|all> [--quick] [--repeats N] [--sizes 2,10] [--fanout-rate R] [--profile] [--keep-db] [--private-pg]
Scenarios: ${Object.keys(SCENARIOS).join(', ')}
  explain        not a load: EXPLAIN (ANALYZE, BUFFERS, WAL) of each server's statements for one
                 message and WAL per message, N messages each side (issue 12, item 1)
  --quick        a smoke run of a couple of minutes (smaller data sets, shorter steps, 1 repeat)
  --repeats N    interleaved repeats of every figure (default 3; 1 with --quick)
  --sizes 2,10   fanout: only chats of these member counts (of 2, 10, 50)
  --fanout-rate R  fanout: no knee searches, both servers at R msg/s only (the half-knee step's
                 figures at a rate you choose: an A/B of two builds at the same rate)
  --profile      write V8 CPU profiles of the servers into bench/results/profiles
  --keep-db      keep the bench databases afterwards (for EXPLAIN)
  --server-url   PostgreSQL server (default ${DEFAULT_SERVER_URL}); two fresh databases are made on it,
                 the service's and the bare baseline's (WAL figures count the whole server's writes:
                 a private server makes them exact)
  --private-pg   start a PostgreSQL of the bench's own for the run (initdb in a temporary folder,
                 fsync and synchronous_commit on, pg_stat_statements preloaded): WAL figures are
                 then the bench's alone, and explain adds pg_stat_statements
`;

/**
 * The private server of --private-pg: the test suites' throwaway cluster, set up as a production
 * server would be (fsync on: the fault suites turn it off) with pg_stat_statements preloaded,
 * which takes a restart, so only on a server the bench started itself.
 */
async function privateServer(): Promise<PgCluster> {
  const cluster = await PgCluster.create();
  const admin = await connect(cluster.urlFor('postgres'));
  try {
    for (const setting of [
      `fsync = on`,
      `synchronous_commit = on`,
      `shared_buffers = '256MB'`,
      `max_connections = 120`,
      `shared_preload_libraries = 'pg_stat_statements'`,
    ]) {
      await admin.query(`ALTER SYSTEM SET ${setting}`);
    }
  } finally {
    await admin.end();
  }
  await cluster.stopImmediately();
  await cluster.start();
  return cluster;
}

function parse(argv: string[]): {
  scenarios: ScenarioName[];
  options: BenchOptions;
  keepDb: boolean;
  privatePg: boolean;
} {
  const scenarios: ScenarioName[] = [];
  let quick = false;
  let repeats: number | undefined;
  let sizes = [2, 10, 50];
  let profile = false;
  let keepDb = false;
  let privatePg = false;
  let fanoutRate: number | undefined;
  let serverUrl = process.env.BENCH_SERVER_URL ?? DEFAULT_SERVER_URL;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--profile') profile = true;
    else if (arg === '--keep-db') keepDb = true;
    else if (arg === '--private-pg') privatePg = true;
    else if (arg === '--repeats') repeats = Number(argv[++i]);
    else if (arg === '--sizes') sizes = argv[++i].split(',').map(Number);
    else if (arg === '--fanout-rate') fanoutRate = Number(argv[++i]);
    else if (arg === '--server-url') serverUrl = argv[++i];
    else if (arg === 'all') scenarios.push(...(Object.keys(SCENARIOS) as ScenarioName[]));
    else if (arg in SCENARIOS) scenarios.push(arg as ScenarioName);
    else throw new Error(`Unknown argument "${arg}"\n${USAGE}`);
  }
  if (scenarios.length === 0) throw new Error(USAGE);
  const host = new URL(serverUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error('The bench runs on loopback addresses only');
  }
  repeats ??= quick ? 1 : 3;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive integer');
  if (fanoutRate !== undefined && !(fanoutRate > 0)) throw new Error('--fanout-rate must be a positive rate');
  if (!sizes.every((size) => [2, 10, 50].includes(size))) throw new Error('--sizes takes 2, 10 and/or 50');
  return {
    scenarios: [...new Set(scenarios)],
    options: { quick, repeats, sizes, profile, serverUrl, fanoutRate },
    keepDb,
    privatePg,
  };
}

function machine(ctx: BenchContext, pgVersion: string, settings: string): string[] {
  const cpu = cpus();
  const git = (command: string) => {
    try {
      return execSync(`git ${command}`, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse --short HEAD') || 'unknown (not a git checkout)';
  const dirty = git('status --porcelain -- src bench');
  return [
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `- Node ${process.version}, ${pgVersion}, ${settings}`,
    `- commit ${commit}${dirty ? ' (with uncommitted changes in src/ or bench/)' : ''}, ${ctx.options.repeats} interleaved repeat(s)${ctx.options.quick ? ', --quick' : ''}`,
  ];
}

async function main(): Promise<void> {
  const { scenarios, options, keepDb, privatePg } = parse(process.argv.slice(2));
  const cluster = privatePg ? await privateServer() : undefined;
  if (cluster) options.serverUrl = cluster.urlFor('postgres');
  const cleanup = async () => {
    if (cluster) await cluster.destroy();
  };
  try {
    await run(scenarios, options, keepDb && !cluster, cleanup);
  } finally {
    await cleanup();
  }
}

async function run(
  scenarios: ScenarioName[],
  options: BenchOptions,
  keepDb: boolean,
  cleanup: () => Promise<void>,
): Promise<void> {
  for (const file of ['dist/src/main.js', 'dist/bench/bare/server.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run through "npm run bench"`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const resultsDir = join(ROOT, 'bench', 'results', stamp);
  mkdirSync(resultsDir, { recursive: true });
  const databaseName = `bench_${stamp.replace('-', '_')}`;
  const server = serverOf(options.serverUrl);
  const bareDatabaseName = `${databaseName}_bare`;
  const databaseUrl = await createDatabase(server, databaseName);
  const bareDatabaseUrl = await createDatabase(server, bareDatabaseName);
  const setup = await connect(databaseUrl);
  const bareSetup = await connect(bareDatabaseUrl);
  await bareSetup.query(BARE_SCHEMA_SQL);
  const ctx = new BenchContext(
    options,
    databaseName,
    databaseUrl,
    setup,
    resultsDir,
    bareDatabaseName,
    bareDatabaseUrl,
    bareSetup,
  );
  const stopping = () =>
    void ctx
      .stopAll()
      .then(cleanup)
      .finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  const started = Date.now();
  try {
    ctx.log(`databases ${databaseName} and ${bareDatabaseName}; results in ${resultsDir}`);
    ctx.service = await ctx.startService('service');
    ctx.bare = await ctx.startBare('bare');
    const pg = await setup.query<{ version: string }>(`SELECT split_part(version(), ' on ', 1) AS version`);
    const settings = await setup.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
        WHERE name IN ('synchronous_commit', 'fsync', 'shared_buffers', 'shared_preload_libraries') ORDER BY name`,
    );
    const about = machine(
      ctx,
      pg.rows[0].version,
      settings.rows.map((row) => `${row.name}=${row.setting}`).join(', '),
    );
    for (const name of scenarios) {
      ctx.log(`== ${name}`);
      const scenarioStart = Date.now();
      try {
        await SCENARIOS[name](ctx);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        ctx.notes.push(`${name} failed: ${message.split('\n')[0]}`);
        ctx.log(`${name} FAILED: ${message}`);
      }
      ctx.log(`${name} took ${((Date.now() - scenarioStart) / 1000).toFixed(0)} s`);
    }
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
    const report = [
      `Command: \`${command}\` (${((Date.now() - started) / 60_000).toFixed(1)} min)`,
      '',
      ...about,
      '',
      markdownTable(ctx.rows),
      ...(ctx.notes.length ? ['', ...ctx.notes.map((note) => `- ${note}`)] : []),
      '',
    ].join('\n');
    writeFileSync(join(resultsDir, 'report.md'), report);
    writeFileSync(
      join(resultsDir, 'results.json'),
      JSON.stringify({ command, about, rows: ctx.rows, notes: ctx.notes, details: ctx.details }, null, 2),
    );
    writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), report);
    process.stdout.write(`\n${report}\n`);
    if (ctx.notes.some((note) => note.includes(' failed: '))) process.exitCode = 1;
  } finally {
    await ctx.stopAll();
    await setup.end();
    await bareSetup.end();
    if (!keepDb) {
      await dropDatabase(server, databaseName);
      await dropDatabase(server, bareDatabaseName);
    } else ctx.log(`kept databases ${databaseName} and ${bareDatabaseName}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
