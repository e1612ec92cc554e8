#!/usr/bin/env bash
# Stop the node started by start.sh (same OPENSEARCH_DEV_PORT / OPENSEARCH_DEV_HOME).
#   OPENSEARCH_DEV_CLEAN=1   also delete its data directory
set -euo pipefail
port="${OPENSEARCH_DEV_PORT:-9200}"
home="${OPENSEARCH_DEV_HOME:-${TMPDIR:-/tmp}/unioncat-opensearch-${port}}"
pid=""
for f in "$home/opensearch.pid" "$home/launcher.pid"; do
    if [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; then pid="$(cat "$f")"; break; fi
done
if [[ -z "$pid" ]]; then
    echo "opensearch-dev: not running" >&2
else
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "opensearch-dev: pid $pid did not stop in 30s; sending KILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "opensearch-dev: stopped pid $pid" >&2
fi
rm -f "$home/opensearch.pid" "$home/launcher.pid"
if [[ "${OPENSEARCH_DEV_CLEAN:-0}" == "1" ]]; then
    rm -rf "${home:?}/node"
fi
