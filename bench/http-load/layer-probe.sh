#!/usr/bin/env bash
# The HTTP layer alone: HttpLayerProbe (Javalin, Jetty's Handler API, the JDK's HttpServer) answers
# GET /version; LoadTool in its own JVM, keep-alive; server CPU per request from /proc/<pid>/stat over
# each measured batch, after a warm-up. Loopback only; bounded.
# Usage: bench/http-load/layer-probe.sh [N] [CONCURRENCY] [ROUNDS] [WARMUP] [LAYERS...]
#   defaults: 20000 requests, concurrency 32, 2 rounds, 5000 warm-up, layers javalin jetty jdk
#   after:    ./mvnw -B -q -pl bench,cli -am package -DskipTests   (Javalin and Jetty come from reacher.jar)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-20000}; C=${2:-32}; ROUNDS=${3:-2}; WARMUP=${4:-5000}; shift $(( $# < 4 ? $# : 4 ))
LAYERS=${*:-javalin jetty jdk}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=bench/target/benchmarks.jar
PORT=${HTTP_PORT:-18090}
TICKS=$(getconf CLK_TCK)
url="http://127.0.0.1:$PORT/version"
echo "date: $(date -u); load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for layer in $LAYERS; do
  "$J" -cp "$CP:cli/target/reacher.jar" dev.reacher.bench.HttpLayerProbe --layer "$layer" --port "$PORT" >/dev/null 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 150); do curl -sf "$url" >/dev/null 2>&1 && break; sleep 0.2; done
  timeout 600 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --method GET --requests "$WARMUP" \
    --concurrency "$C" --max-seconds 300 >/dev/null
  for round in $(seq "$ROUNDS"); do
    s0=$(awk '{print $14 + $15}' "/proc/$server/stat")
    out=$(timeout 600 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --method GET --requests "$N" \
      --concurrency "$C" --max-seconds 300)
    s1=$(awk '{print $14 + $15}' "/proc/$server/stat")
    echo "$layer round $round: $(echo "$out" | sed -n 's/^requests  //p') $(echo "$out" | grep '^status' | tr -s ' ')"
    awk -v s=$((s1 - s0)) -v n="$N" -v t="$TICKS" -v l="$layer" 'BEGIN {
      printf "         %s server CPU per request: %.1f us (%d ticks)\n", l, s / t / n * 1e6, s }'
  done
  kill "$server"; wait "$server" 2>/dev/null || true
done
