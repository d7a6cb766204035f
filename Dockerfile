# syntax=docker/dockerfile:1
# affiliate-empire app image: one image for the API, the worker(s) and the migration job.
#   docker build -t affiliate-empire .
#   docker run --rm affiliate-empire                        # API (default CMD)
#   docker run --rm affiliate-empire tsx worker/index.ts    # a worker (= npm run worker)
#   docker run --rm affiliate-empire npm run db:migrate     # apply migrations to DATABASE_URL
# TypeScript runs through tsx (a runtime dependency), so there is no build step.
# Long-running processes are started as `tsx <entry>` (what `npm run api` / `npm run worker` run),
# not through npm: on SIGTERM npm ends its `sh -c` child, which does not pass the signal on, so the
# app would be killed without its graceful shutdown. tsx forwards SIGTERM to the app.
FROM node:20-bookworm-slim

# Media tools for video rendering: ffmpeg/ffprobe, espeak-ng (offline voice), DejaVu fonts.
# ca-certificates: TLS to Slack, Discord, OpenAI and managed databases.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ffmpeg espeak-ng fonts-dejavu-core ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1

WORKDIR /app

# Dependencies first, so source changes reuse this layer. Dev dependencies (tests, typecheck)
# are left out; prisma (CLI, for migrations) and tsx are runtime dependencies.
# @prisma/client's postinstall only warns here (the schema is not copied yet); generate runs below.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

COPY . .

# Prisma 6.19 (js engine) reads the schema, which needs DATABASE_URL set; any URL works for
# generate, and it is not kept in the image.
RUN DATABASE_URL=postgresql://x@localhost/x npx prisma generate

# Run as the image's unprivileged `node` user (uid 1000). DATA_DIR (/app/var) is where the app
# keeps its files; mount a volume there to keep them.
RUN mkdir -p /app/var && chown node:node /app/var
ENV DATA_DIR=/app/var \
    PATH=/app/node_modules/.bin:$PATH
USER node

EXPOSE 3000
CMD ["tsx", "src/api/main.ts"]
