#!/usr/bin/env bash
# Measurement 1 over HTTP: LoadTool against a real `./reacher serve`, direct and through the rig's 3
# microsocks proxies (a round_robin pool), alternating, a fresh server per run with a warm-up first.
# Loopback only; every step is bounded (timeouts, --max-seconds).
# Usage: bench/http-load/run.sh [N] [CONCURRENCY] [ROUNDS] [WARMUP]
#   LOADGEN=wrk: the measured runs by wrk for WRK_SECONDS (default 10) instead of N requests by
#   LoadTool (bench/http-load/check.lua; wrk takes a few microseconds of CPU per request, LoadTool
#   about 0.35 ms from the same cores); the warm-up stays LoadTool's
#   DELAY_MS=10: a DelayRelay in front of the rig's SMTP port, every chunk held 10 ms each way (a
#   20 ms round trip to the mail server), for both paths (microsocks connects to the relay too): the
#   latency-bound regime of a real, distant MX instead of the CPU-bound loopback one
#   after: ./mvnw -B -q -pl bench,cli -am package -DskipTests   (benchmarks.jar and reacher.jar)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-3000}; C=${2:-50}; ROUNDS=${3:-2}; WARMUP=${4:-1000}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=bench/target/benchmarks.jar
PORT=${HTTP_PORT:-18080}
EMAILS=alice@rig-one.test,unknown.user@rig-two.test,bob@rig-three.test,someone.else@rig-four.test
TICKS=$(getconf CLK_TCK)

cpu_ticks() { # utime + stime of one process, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

rig_log=$(mktemp)
"$J" -cp "$CP" dev.reacher.bench.Rig --proxies 3 --bind --seconds 3600 >"$rig_log" 2>&1 &
rig=$!
relay=
trap 'kill "$rig" $relay 2>/dev/null || true; wait "$rig" $relay 2>/dev/null || true; rm -f "$rig_log"' EXIT
for _ in $(seq 100); do grep -q '^serve through the proxies: ' "$rig_log" && break; sleep 0.2; done
env_direct=$(sed -n 's/^serve: \(.*\) \.\/reacher serve$/\1/p' "$rig_log")
env_proxied=$(sed -n 's/^serve through the proxies: \(.*\) \.\/reacher serve$/\1/p' "$rig_log")
[ -n "$env_direct" ] && [ -n "$env_proxied" ] || { echo "rig did not start:"; cat "$rig_log"; exit 1; }
if [ -n "${DELAY_MS:-}" ]; then
  relay_port=${RELAY_PORT:-25250}
  smtp_port=$(sed -n 's/^RIG smtp=127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$rig_log")
  relay_log=$(mktemp)
  "$J" -cp "$CP" dev.reacher.bench.DelayRelay --target-port "$smtp_port" --delay-ms "$DELAY_MS" \
    --listen-port "$relay_port" >"$relay_log" 2>&1 &
  relay=$!
  for _ in $(seq 100); do grep -q '^RELAY ' "$relay_log" && break; sleep 0.1; done
  grep -q '^RELAY ' "$relay_log" || { echo "DelayRelay did not start:"; cat "$relay_log"; exit 1; }
  rm -f "$relay_log"
  env_direct=$(echo "$env_direct" | sed "s/RCH__SMTP_PORT=[0-9]*/RCH__SMTP_PORT=$relay_port/")
  env_proxied=$(echo "$env_proxied" | sed "s/RCH__SMTP_PORT=[0-9]*/RCH__SMTP_PORT=$relay_port/")
  echo "DelayRelay 127.0.0.1:$relay_port -> $smtp_port, $DELAY_MS ms each way"
fi
socks_pids=$(pgrep -P "$rig" -d ' ' || true)   # the rig's microsocks children
echo "date: $(date -u)"
echo "rig: $(grep -E '^(smtp|dns|socks5) ' "$rig_log" | tr '\n' ';')"

for round in $(seq "$ROUNDS"); do
  for mode in direct proxied; do
    if [ "$mode" = direct ]; then vars=$env_direct; else vars=$env_proxied; fi
    server_log=$(mktemp)
    # shellcheck disable=SC2086 # the variables are NAME=value words
    db_dir=$(mktemp -d)   # /v1/check_email results are stored (SQLite, as ./reacher serve does by default)
    env $vars RCH__HTTP_PORT="$PORT" RCH__STORAGE__SQLITE__PATH="$db_dir/reacher.db" ./reacher serve >"$server_log" 2>&1 &
    server=$!
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    url="http://127.0.0.1:$PORT/v1/check_email"
    timeout 600 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$WARMUP" --concurrency "$C" \
      --emails "$EMAILS" --max-seconds 300 >/dev/null
    s0=$(cpu_ticks "$server"); m0=0; for p in $socks_pids; do m0=$((m0 + $(cpu_ticks "$p"))); done
    if [ "${LOADGEN:-loadtool}" = wrk ]; then
      out=$(EMAILS="$EMAILS" timeout 300 wrk -t1 -c"$C" -d"${WRK_SECONDS:-10}s" -s bench/http-load/check.lua "$url" \
        | sed -n 's/^RESULT reacher-java over HTTP (wrk) //p')
      s1=$(cpu_ticks "$server"); m1=0; for p in $socks_pids; do m1=$((m1 + $(cpu_ticks "$p"))); done
      n=${out%% *}
      echo "round $round $mode (wrk): $out"
    else
      out=$(timeout 600 "$J" -cp "$CP" dev.reacher.bench.LoadTool --url "$url" --requests "$N" --concurrency "$C" \
        --emails "$EMAILS" --max-seconds 300)
      s1=$(cpu_ticks "$server"); m1=0; for p in $socks_pids; do m1=$((m1 + $(cpu_ticks "$p"))); done
      n=$N
      echo "round $round $mode: $(echo "$out" | sed -n 's/^requests  //p')"
      echo "         $(echo "$out" | grep -E '^(status|failures)' | tr '\n' ' ')is_reachable $(echo "$out" \
        | awk '/^  [a-z]/ {printf "%s=%s ", $1, $2}')"
    fi
    awk -v s=$((s1 - s0)) -v m=$((m1 - m0)) -v n="$n" -v t="$TICKS" 'BEGIN {
      printf "         CPU per request: server JVM %.0f us, microsocks processes %.0f us\n", s / t / n * 1e6, m / t / n * 1e6 }'
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$server_log" "$db_dir"
  done
done
