#!/usr/bin/env bash
# Side by side: reacher-java (library, direct), reacher-java over HTTP (`reacher serve`, the runnable
# jar, driven by LoadTool in its own JVM) and two npm verifiers against the same kind of rig, one fresh
# rig per client so that its command counts are the client's own. Loopback only, bounded.
# Usage: bench/npm-compare/run.sh [N] [CONCURRENCY] [CLIENTS...]
#   clients: java java-http devmehq email-verify (default: all four)
#   after:   ./mvnw -B -q -pl bench,cli -am package -DskipTests   (benchmarks.jar and reacher.jar)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-3000}; C=${2:-50}; shift $(( $# < 2 ? $# : 2 ))
CLIENTS=${*:-java java-http devmehq email-verify}
PORT=${HTTP_PORT:-18080}
# The same mix as LibraryLoad and compare.mjs: request i is alice@ (exists) when i is even, else
# unknown.user@, at rig-one … rig-four in turn every two requests.
EMAILS=alice@rig-one.test,unknown.user@rig-one.test,alice@rig-two.test,unknown.user@rig-two.test,\
alice@rig-three.test,unknown.user@rig-three.test,alice@rig-four.test,unknown.user@rig-four.test
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=bench/target/benchmarks.jar
(cd bench/npm-compare && [ -d node_modules ] || npm install --no-audit --no-fund >/dev/null)
for client in $CLIENTS; do
  log=$(mktemp)
  "$J" -cp "$CP" dev.reacher.bench.Rig --seconds 300 >"$log" 2>&1 &
  rig=$!
  for _ in $(seq 100); do grep -q '^RIG ' "$log" && break; sleep 0.2; done
  smtp=$(sed -n 's/^RIG smtp=127.0.0.1:\([0-9]*\) dns=.*/\1/p' "$log")
  dns=$(sed -n 's/^RIG .* dns=\(.*\)/\1/p' "$log")
  echo "== $client"
  if [ "$client" = java ]; then
    timeout 300 "$J" -cp "$CP" dev.reacher.bench.LibraryLoad --scenario external --rig-dns "$dns" \
      --rig-smtp-port "$smtp" --requests "$N" --concurrency "$C" | grep -E 'RESULT|CPU'
  elif [ "$client" = java-http ]; then
    # POST /v0/check_email on a real server; warm-up as the other clients (1,000), then N
    db_dir=$(mktemp -d)
    RCH__DNS__SERVERS="$dns" RCH__SMTP_PORT="$smtp" RCH__SMTP_TIMEOUT=30 RCH__HTTP_PORT="$PORT" \
      RCH__STORAGE__SQLITE__PATH="$db_dir/reacher.db" "$J" -jar cli/target/reacher.jar serve >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    url="http://127.0.0.1:$PORT/v0/check_email"
    timeout 300 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$(( N < 1000 ? N : 1000 ))" \
      --concurrency "$C" --emails "$EMAILS" --max-seconds 240 >/dev/null
    s0=$(awk '{print $14 + $15}' "/proc/$server/stat")
    out=$(timeout 300 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$N" --concurrency "$C" \
      --emails "$EMAILS" --max-seconds 240)
    s1=$(awk '{print $14 + $15}' "/proc/$server/stat")
    echo "RESULT reacher-java over HTTP $(echo "$out" | sed -n 's/^requests  //p') $(echo "$out" \
      | awk '/^  [a-z]/ {printf "%s=%s ", $1, $2}')"
    awk -v s=$((s1 - s0)) -v n="$N" -v t="$(getconf CLK_TCK)" 'BEGIN {
      printf "CPU per verification (server process): %.0f us\n", s / t / n * 1e6 }'
    kill "$server"; wait "$server" 2>/dev/null || true; rm -rf "$db_dir"
  else
    (cd bench/npm-compare && timeout 300 node compare.mjs --pkg "$client" --dns "$dns" --port "$smtp" --n "$N" --concurrency "$C" | tail -2)
  fi
  kill "$rig"; wait "$rig" 2>/dev/null || true
  grep 'smtp sessions' "$log"; rm -f "$log"
done
