# syntax=docker/dockerfile:1

# Node 22, the maintained LTS line, in the image. The code itself targets Node 20.19+ (package.json
# engines, CommonJS that loads the ESM-only NestJS 12 through require(esm)), which is what CI and the
# tests run on; nothing in it needs 22, so either runtime works and the image can follow the LTS.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and dist/ only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded database template the build made (src/database/embedded-template.ts): a first start
# without DATABASE_URL copies it instead of running initdb and the migrations.
COPY --from=build /app/node_modules/.cache/chat-service ./node_modules/.cache/chat-service
COPY public ./public
# DATA_DIR holds attachment files (and the embedded database when DATABASE_URL is unset).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Logs: JSON lines (stdout is no terminal here; LOG_FORMAT=pretty for `docker run -t` by hand).
# node as PID 1 receives SIGTERM from `docker stop` directly: graceful shutdown, exit 0.
CMD ["node", "dist/src/main.js"]
