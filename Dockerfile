# Baton worker and API image (one image, two commands — see docker-compose.yml).
#
# Baton runs its TypeScript directly with tsx, and tsx is a devDependency, so this image installs
# the full lockfile (`npm ci`) in a build stage rather than `--omit=dev`; the build stage also
# bundles the workflow code once (scripts/build-workflows.ts, with the bundle options of
# src/worker.ts that share zod, luxon and src/domain/ between workflows), so a stray Node import
# under workflows/ fails the image build and the worker starts from the prebuilt bundle
# (BATON_WORKFLOW_BUNDLE) instead of bundling at every start. It also bundles the KPI page's script
# (dist/dashboard/app.js; .dockerignore keeps a local dist/ out of the image). The worker's capacity
# (BATON_MAX_CACHED_WORKFLOWS, its heap) is set where it runs: see docker-compose.yml.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node --import tsx scripts/build-workflows.ts
RUN node --import tsx scripts/build-dashboard.ts

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    BATON_DATA_DIR=/data \
    BATON_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# The API; the worker service overrides this with `node --import tsx src/worker.ts`.
CMD ["node", "--import", "tsx", "src/api/server.ts"]
