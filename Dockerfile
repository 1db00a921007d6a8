# Tessera in a container: build once, run as many identical nodes as needed (see docs/deployment.md).

# Build stage: compiles TypeScript and the native addons (better-sqlite3, argon2) for this image's Node.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# `npm ci` runs "prepare", which builds dist/; then the dev dependencies go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Run stage: only what runs, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    TESSERA_HOST=0.0.0.0 \
    TESSERA_PORT=9000 \
    TESSERA_DATA_DIR=/var/lib/tessera
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The data directory holds the embedded store (single-node use) and nothing else; on PostgreSQL it stays empty.
RUN mkdir -p -m 0700 /var/lib/tessera && chown node:node /var/lib/tessera
USER node
EXPOSE 9000
VOLUME ["/var/lib/tessera"]
# Liveness only: /health never depends on the database, so an outage does not get containers restarted.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TESSERA_PORT || 9000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) lets requests in flight finish before the node exits.
STOPSIGNAL SIGTERM
CMD ["node", "bin/tessera.js", "serve"]
