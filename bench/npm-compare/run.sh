#!/usr/bin/env bash
# Side by side: reacher-java (library, direct) and two npm verifiers against the same kind of rig,
# one fresh rig per client so that its command counts are the client's own. Loopback only, bounded.
# Usage: bench/npm-compare/run.sh [N] [CONCURRENCY]   (after building bench/target/benchmarks.jar)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-3000}; C=${2:-50}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=bench/target/benchmarks.jar
(cd bench/npm-compare && [ -d node_modules ] || npm install --no-audit --no-fund >/dev/null)
for client in java devmehq email-verify; do
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
  else
    (cd bench/npm-compare && timeout 300 node compare.mjs --pkg "$client" --dns "$dns" --port "$smtp" --n "$N" --concurrency "$C" | tail -2)
  fi
  kill "$rig"; wait "$rig" 2>/dev/null || true
  grep 'smtp sessions' "$log"; rm -f "$log"
done
