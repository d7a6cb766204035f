#!/bin/sh
# One-shot job of docker-compose.yml (service temporal-namespace, image temporalio/admin-tools):
# waits until the Temporal server answers, then creates the app's namespace unless it exists.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required (host:port of the Temporal frontend)}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
# How long closed workflow runs stay visible (7 days: a week of daily runs in the Web UI).
RETENTION=${NAMESPACE_RETENTION:-168h}

attempt=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  if [ "$attempt" -ge 60 ]; then
    echo "Temporal at $TEMPORAL_ADDRESS did not report healthy within 2 minutes: check the temporal service (docker compose logs temporal)." >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "Namespace '$TEMPORAL_NAMESPACE' exists."
  exit 0
fi
# The frontend can answer health checks a moment before namespace creation works; retry briefly.
attempt=1
until temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" --retention "$RETENTION"; do
  if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then break; fi
  if [ "$attempt" -ge 10 ]; then
    echo "Could not create namespace '$TEMPORAL_NAMESPACE' on $TEMPORAL_ADDRESS (see the error above)." >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 3
done
echo "Namespace '$TEMPORAL_NAMESPACE' created (retention $RETENTION)."
