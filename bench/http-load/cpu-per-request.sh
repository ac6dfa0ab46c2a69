#!/usr/bin/env bash
# Server CPU per request: a real `reacher serve` process (the runnable jar) against the rig's loopback
# SMTP/DNS fixture, LoadTool in its own JVM, keep-alive, direct (no proxies). After a warm-up, each
# measured batch reports throughput, latency percentiles and the server process's CPU time
# (utime + stime from /proc/<pid>/stat, delta over the batch) divided by the requests answered; then
# the same for GET /version. The rig's CPU per request is printed beside the server's: it shares
# the cores, so a costlier rig slows the server's answers too. Loopback only; every step is bounded
# (timeouts, --max-seconds).
#
# Usage: bench/http-load/cpu-per-request.sh [N] [CONCURRENCY] [ROUNDS] [WARMUP] [VERSION_N]
#   defaults: 6000 requests per batch, concurrency 32, 3 batches, 2000 warm-up, 20000 GET /version
#   after:    ./mvnw -B -q -pl bench,cli -am package -DskipTests   (benchmarks.jar and reacher.jar)
# Environment:
#   REACHER_JAR=path        the server jar to run (default cli/target/reacher.jar); copy two builds
#                           aside and run this twice back to back for an A/B comparison
#   RIG_JAR=path            the benchmarks jar whose Rig serves SMTP and DNS (default
#                           bench/target/benchmarks.jar); LoadTool always comes from the default
#   REACHER_JAVA_OPTS=...   extra JVM options for the server, e.g. a JFR recording:
#                           -XX:StartFlightRecording=filename=/tmp/server.jfr,settings=profile
#   ENDPOINT=/v0/check_email (default) or /v1/check_email (stores results, as `reacher serve` does)
#   HTTP_PORT=18080
#   LOADGEN=wrk             measured rounds by wrk (Debian package: a C program of its own, a few
#                           microseconds of CPU per request) for WRK_SECONDS each (default 5), instead
#                           of N requests by LoadTool (a JVM of its own that takes about 0.35 ms of CPU
#                           per request from the same 2 cores); the warm-up stays LoadTool's WARMUP
#   P99_WINDOWS=20          after the POST rounds, that many one-second windows of wrk (one thread,
#                           CONCURRENCY connections, bench/http-load/check.lua), one line each with
#                           p99, max and rate: shows whether a tail is spread out or a few bad seconds
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-6000}; C=${2:-32}; ROUNDS=${3:-3}; WARMUP=${4:-2000}; VERSION_N=${5:-20000}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=bench/target/benchmarks.jar
JAR=${REACHER_JAR:-cli/target/reacher.jar}
PORT=${HTTP_PORT:-18080}
ENDPOINT=${ENDPOINT:-/v0/check_email}
EMAILS=alice@rig-one.test,unknown.user@rig-two.test,bob@rig-three.test,someone.else@rig-four.test
TICKS=$(getconf CLK_TCK)

cpu_ticks() { # utime + stime of one process, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

load() { # load URL REQUESTS [extra LoadTool options]: LoadTool's report on stdout
  local url=$1 n=$2; shift 2
  timeout 900 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$n" \
    --concurrency "$C" --emails "$EMAILS" --max-seconds 600 "$@"
}

wrk_result() { # wrk_result SECONDS URL [METHOD]: check.lua's RESULT line after its label
  METHOD=${3:-POST} EMAILS="$EMAILS" timeout $(($1 + 60)) wrk -t1 -c"$C" -d"$1s" -s bench/http-load/check.lua "$2" \
    | sed -n 's/^RESULT reacher-java over HTTP (wrk) //p'
}

# measure NAME URL REQUESTS [LoadTool options]: one batch, with the server's CPU over it
measure() {
  local name=$1 url=$2 n=$3; shift 3
  local s0 s1 r0 r1 out t0
  t0=$(date -u +%T); s0=$(cpu_ticks "$server"); r0=$(cpu_ticks "$rig")
  local answered
  if [ "${LOADGEN:-loadtool}" = wrk ]; then
    local method=POST
    [ "${1:-}" = "--method" ] && method=$2
    out=$(wrk_result "${WRK_SECONDS:-5}" "$url" "$method")
    s1=$(cpu_ticks "$server"); r1=$(cpu_ticks "$rig")
    answered=${out%% *}
    echo "$name ($t0-$(date -u +%T)), wrk: $out"
  else
    out=$(load "$url" "$n" "$@")
    s1=$(cpu_ticks "$server"); r1=$(cpu_ticks "$rig")
    answered=$(echo "$out" | sed -n 's/^requests  \([0-9]*\) in .*/\1/p')
    echo "$name ($t0-$(date -u +%T)): $(echo "$out" | sed -n 's/^requests  //p')"
    echo "         $(echo "$out" | grep -E '^(status|failures)' | tr '\n' ' ')$(echo "$out" \
      | awk '/^  [a-z]/ {printf "%s=%s ", $1, $2}')"
  fi
  awk -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v n="$answered" -v t="$TICKS" 'BEGIN {
    printf "         server CPU per request: %.1f us (%d ticks of 1/%d s over %d requests); rig %.1f us\n",
      s / t / n * 1e6, s, t, n, r / t / n * 1e6 }'
}

rig_log=$(mktemp); server_log=$(mktemp)
"$J" -cp "${RIG_JAR:-$CP}" dev.reacher.bench.Rig --seconds 3600 >"$rig_log" 2>&1 &
rig=$!
server=
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  kill "$rig" 2>/dev/null || true; wait "$rig" 2>/dev/null || true
  rm -f "$rig_log" "$server_log"; rm -rf "${db_dir:-}"
}
trap cleanup EXIT
for _ in $(seq 150); do grep -q '^serve: ' "$rig_log" && break; sleep 0.2; done
env_direct=$(sed -n 's/^serve: \(.*\) \.\/reacher serve$/\1/p' "$rig_log")
[ -n "$env_direct" ] || { echo "rig did not start:"; cat "$rig_log"; exit 1; }

db_dir=$(mktemp -d)
# shellcheck disable=SC2086 # the variables are NAME=value words; REACHER_JAVA_OPTS is a list of options
env $env_direct RCH__HTTP_PORT="$PORT" RCH__STORAGE__SQLITE__PATH="$db_dir/reacher.db" \
  "$J" ${REACHER_JAVA_OPTS:-} -jar "$JAR" serve >"$server_log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "server did not start:"; cat "$server_log"; exit 1; }

echo "date: $(date -u); load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
echo "server: $JAR ${REACHER_JAVA_OPTS:-} ($(curl -s "http://127.0.0.1:$PORT/version"))"
echo "POST $ENDPOINT and GET /version, concurrency $C, direct, keep-alive; warm-up $WARMUP"
load "http://127.0.0.1:$PORT$ENDPOINT" "$WARMUP" >/dev/null
for round in $(seq "$ROUNDS"); do
  measure "round $round POST $ENDPOINT" "http://127.0.0.1:$PORT$ENDPOINT" "$N"
done
if [ "${P99_WINDOWS:-0}" -gt 0 ]; then
  command -v wrk >/dev/null || { echo "P99_WINDOWS needs wrk (apt-get install wrk)"; exit 1; }
  for _ in $(seq "$P99_WINDOWS"); do
    echo "window $(date -u +%T): $(wrk_result 1 "http://127.0.0.1:$PORT$ENDPOINT")"
  done
fi
load "http://127.0.0.1:$PORT/version" 2000 --method GET >/dev/null
for round in $(seq "$ROUNDS"); do
  measure "round $round GET /version" "http://127.0.0.1:$PORT/version" "$VERSION_N" --method GET
done
