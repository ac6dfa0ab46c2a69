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
./mvnw -B -q -pl server -am install -DskipTests >/dev/null || { echo "bench-bulk: build failed" >&2; ./mvnw -B -q -pl server -am install -DskipTests; exit 1; }
./mvnw -B -q -pl server test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt >/dev/null
cd server
exec "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" dev.reacher.server.bench.BulkBenchmark "$@"
