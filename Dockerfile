# syntax=docker/dockerfile:1

# Build: full dependencies, compile TypeScript.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The locked versions (see .ci/run for why not `npm ci`).
RUN npm install --no-save --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# Runtime: production dependencies only (not the optional embedded PostgreSQL), non-root.
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 MIGRATIONS_RUN=true
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-save --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The service applies pending migrations itself at start (MIGRATIONS_RUN), under an advisory
# lock, then serves; it needs DATABASE_URL and JWT_SECRET.
CMD ["node", "dist/src/main.js"]
