// @ts-check
/**
 * The folder DAG of src/ as a lint rule (eslint-plugin-boundaries), used by eslint.config.mjs and
 * proven by test/folder-boundaries.e2e-spec.ts. CommonJS so that the test (run by Jest) can load
 * it as it is.
 */
const boundaries = require('eslint-plugin-boundaries');

/**
 * A folder of src/ may import only from the folders BELOW it in this list; type-only imports
 * count too, imports inside one folder are free. So no two folders can import each other, and
 * there is no cycle between folders. Tests (test/, *.spec.ts), migrations, bench and scripts
 * are outside the DAG.
 *
 *   app            src/*.ts: main, app.module, bootstrap
 *   docs           the OpenAPI builder
 *   web            the web client's static build at /app (web/dist)
 *   lifecycle      graceful shutdown, signals, the instance's serving state
 *   health         liveness and readiness
 *   email          e-mail digests: reads presence (realtime), unread counts, sends through SMTP
 *   push           Web Push: subscriptions, fan-out to who is offline (reads realtime's presence)
 *   realtime       gateway, rooms, publisher: builds socket payloads after commit
 *   moderation     reports, moderators' deletes, bans and their audit
 *   invites        invite links: made by managers, joined through ChatJoins (chats)
 *   chats
 *   messages
 *   users          profiles: a change of one reaches the user's chats as member:updated
 *   members
 *   attachments    uploads, their storage and signed URLs (messages, chats and users use it)
 *   auth
 *   events         the domain event bus: imports no domain folder
 *   observability  logs and metrics: imports neither realtime nor auth
 *   jobs           the durable job queue (pg-boss): imports only config
 *   repositories   every SQL statement on the domain tables
 *   database       DataSource options, embedded PostgreSQL, entities
 *   common         errors, HTTP and time helpers: nothing domain-specific
 *   config
 *
 * The allowed directions below are derived from this order: it is the one place to change.
 */
const FOLDER_DAG = [
  'app',
  'docs',
  'web',
  'lifecycle',
  'health',
  'email',
  'push',
  'realtime',
  'moderation',
  'invites',
  'chats',
  'messages',
  'users',
  'members',
  'attachments',
  'auth',
  'events',
  'observability',
  'jobs',
  'repositories',
  'database',
  'common',
  'config',
];

/**
 * One element per folder, `app` being the files directly in src/. The first descriptor that
 * matches a file names its element, so `app` (all of src/) comes last.
 */
const elements = [
  ...FOLDER_DAG.filter((folder) => folder !== 'app').map((folder) => ({
    type: folder,
    pattern: `src/${folder}`,
    partialMatch: false,
  })),
  { type: 'app', pattern: 'src', partialMatch: false },
];

/** Each folder: allowed to import every folder after it in FOLDER_DAG, and nothing else. */
const policies = FOLDER_DAG.map((folder, index) => ({
  from: { element: { type: folder } },
  allow: { to: { element: { types: { anyOf: FOLDER_DAG.slice(index + 1) } } } },
}));

/** @type {import('eslint').Linter.Config} */
const folderBoundaries = {
  name: 'rescue-chat/folder-dag',
  // Production code only: specs import what they test, wherever it lives.
  files: ['src/**/*.ts'],
  ignores: ['**/*.spec.ts'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    'boundaries/elements': elements,
  },
  rules: {
    'boundaries/dependencies': ['error', { default: 'disallow', policies }],
  },
};

module.exports = { FOLDER_DAG, folderBoundaries };
