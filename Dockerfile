# syntax=docker/dockerfile:1
# One image for every ordergraph process; the command chooses which (ENTRYPOINT is node):
#   docker run IMAGE dist/router/main.js                 the router (port 4000)
#   docker run IMAGE dist/subgraphs/<context>/main.js    one context (ports 4001-4009)
#   docker run IMAGE dist/scripts/migrate.js             every context's migrations + catalog seed, then exit
# Build: docker build -t ordergraph:0.1.0 .   (see README "Deploy")
#
# Node 20 LTS by exact tag: the same base for building and running, so native modules
# (@libsql's) built or chosen by `npm ci` match the runtime's libc. Pin a digest as well
# (node:20.20.2-bookworm-slim@sha256:…) where your registry policy asks for one.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ── build: install everything, generate the Prisma clients, compile, drop dev dependencies
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
# Dependencies first (this layer is reused while the lockfile is unchanged). No install
# scripts: package.json allows none of the dependencies', and the project's own postinstall
# (Prisma generate) runs explicitly below once the schemas are in.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# Generating needs no schema-engine binary (scripts/prisma-generate.mjs points Prisma at node).
RUN npm run prisma:generate
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts

# ── runtime: node, production dependencies and the compiled build; nothing else
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    LOG_FORMAT=json
# Owned by root and not writable by the process: the root file system can be mounted
# read-only. The process writes only to DATA_DIR (/data) and /tmp, both volumes in k8s/.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown 1000:1000 /data
# The base image's unprivileged `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 4000 4001 4002 4003 4004 4005 4006 4007 4008 4009
ENTRYPOINT ["node"]
CMD ["dist/router/main.js"]
