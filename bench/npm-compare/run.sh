#!/usr/bin/env bash
# Side by side: reacher-java (library, direct), reacher-java over HTTP (`reacher serve`, the runnable
# jar, driven by LoadTool in its own JVM) and two npm verifiers against the same kind of rig, one fresh
# rig per client so that its command counts are the client's own. Loopback only, bounded.
# Usage: bench/npm-compare/run.sh [N] [CONCURRENCY] [CLIENTS...]
#   clients: java java-http devmehq email-verify (default: all four)
#   after:   ./mvnw -B -q -pl bench,cli -am package -DskipTests   (benchmarks.jar and reacher.jar)
# Environment:
#   WARMUP=1000         verifications before the measured ones, for every client (a long-running
#                       server's JIT keeps compiling for about 20,000 requests; 20000 shows it warm)
#   LOADGEN=wrk         java-http's load generator: wrk (Debian package; its own process, a few
#                       microseconds of CPU per request, runs for HTTP_SECONDS) when installed, else
#                       LoadTool (a JVM of its own, N requests; it takes CPU from the 2 cores too)
#   HTTP_SECONDS=10     java-http's measured window with wrk
# Every client's report ends with the rig's own CPU per verification (SMTP and DNS fixture).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-3000}; C=${2:-50}; shift $(( $# < 2 ? $# : 2 ))
CLIENTS=${*:-java java-http devmehq email-verify}
PORT=${HTTP_PORT:-18080}
WARMUP=${WARMUP:-1000}
LOADGEN=${LOADGEN:-$(command -v wrk >/dev/null && echo wrk || echo loadtool)}
HTTP_SECONDS=${HTTP_SECONDS:-10}
# The same mix as LibraryLoad and compare.mjs: request i is alice@ (exists) when i is even, else
# unknown.user@, at rig-one … rig-four in turn every two requests.
EMAILS=alice@rig-one.test,unknown.user@rig-one.test,alice@rig-two.test,unknown.user@rig-two.test,\
alice@rig-three.test,unknown.user@rig-three.test,alice@rig-four.test,unknown.user@rig-four.test
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=bench/target/benchmarks.jar
(cd bench/npm-compare && [ -d node_modules ] || npm install --no-audit --no-fund >/dev/null)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_check() { # per_check WHAT TICKS COUNT
  awk -v what="$1" -v s="$2" -v n="$3" -v t="$(getconf CLK_TCK)" 'BEGIN {
    printf "CPU per verification (%s): %.0f us\n", what, s / t / n * 1e6 }'
}
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
    # POST /v0/check_email on a real server. The rig's four domains share one MX host, so the default
    # of 5 sessions per destination ([smtp_politeness]) would make 27 of 32 requests wait: raised, so
    # that the run measures the server and not the politeness.
    db_dir=$(mktemp -d)
    RCH__DNS__SERVERS="$dns" RCH__SMTP_PORT="$smtp" RCH__SMTP_TIMEOUT=30 RCH__HTTP_PORT="$PORT" \
      RCH__SMTP_POLITENESS__MAX_CONCURRENCY="${RCH__SMTP_POLITENESS__MAX_CONCURRENCY:-64}" \
      RCH__STORAGE__SQLITE__PATH="$db_dir/reacher.db" "$J" -jar cli/target/reacher.jar serve >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    url="http://127.0.0.1:$PORT/v0/check_email"
    [ "$WARMUP" -gt 0 ] && timeout 600 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$WARMUP" \
      --concurrency "$C" --emails "$EMAILS" --max-seconds 540 >/dev/null
    s0=$(cpu_ticks "$server"); r0=$(cpu_ticks "$rig")
    if [ "$LOADGEN" = wrk ]; then
      out=$(EMAILS="$EMAILS" timeout $((HTTP_SECONDS + 60)) wrk -t1 -c"$C" -d"${HTTP_SECONDS}s" \
        -s bench/http-load/check.lua "$url" | grep '^RESULT')
      echo "$out"
      n=$(echo "$out" | sed -n 's/^RESULT .*(wrk) \([0-9]*\) in .*/\1/p')
    else
      out=$(timeout 300 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$N" --concurrency "$C" \
        --emails "$EMAILS" --max-seconds 240)
      echo "RESULT reacher-java over HTTP (LoadTool) $(echo "$out" | sed -n 's/^requests  //p') $(echo "$out" \
        | awk '/^  [a-z]/ {printf "%s=%s ", $1, $2}')"
      n=$N
    fi
    s1=$(cpu_ticks "$server"); r1=$(cpu_ticks "$rig")
    per_check "server process" $((s1 - s0)) "$n"
    kill "$server"; wait "$server" 2>/dev/null || true; rm -rf "$db_dir"
  else
    r0=$(cpu_ticks "$rig")
    (cd bench/npm-compare && timeout 600 node compare.mjs --pkg "$client" --dns "$dns" --port "$smtp" --n "$N" \
      --concurrency "$C" --warmup "$WARMUP" | tail -2)
    r1=$(cpu_ticks "$rig"); n=$((N + WARMUP))  # the rig's CPU here includes the warm-up
  fi
  [ "$client" = java ] || per_check "rig" $((r1 - r0)) "$n"
  kill "$rig"; wait "$rig" 2>/dev/null || true
  grep 'smtp sessions' "$log"; rm -f "$log"
done
