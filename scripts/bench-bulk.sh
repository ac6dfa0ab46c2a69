#!/usr/bin/env bash
# Bulk benchmark: one job against the local SMTP/DNS fixture through the whole pipeline.
#   scripts/bench-bulk.sh --addresses=100000 --workers=2 --concurrency=64            # PostgreSQL + RabbitMQ + 2 worker JVMs
#   scripts/bench-bulk.sh --mode=single --addresses=100000 --concurrency=128         # SQLite + embedded queue, one JVM
# Needs PostgreSQL and RabbitMQ on 127.0.0.1 (scripts/services-up.sh starts them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/find-jdk.sh"
rch_find_jdk
cd "$ROOT"
"$ROOT/scripts/services-up.sh" >/dev/null
# One reactor build, no `mvn install`: ~/.m2 may be shared by several checkouts, and an installed
# snapshot of this one would be used by the others. Inside the reactor, core and testkit resolve to
# their target/classes, so the classpath written here points at this checkout's own classes.
BUILD=(./mvnw -B -q -pl server -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt)
"${BUILD[@]}" >/dev/null || { echo "bench-bulk: build failed" >&2; "${BUILD[@]}"; exit 1; }
cd server
exec "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" dev.reacher.server.bench.BulkBenchmark "$@"
