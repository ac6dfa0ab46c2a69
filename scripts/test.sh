#!/usr/bin/env bash
# Runs the whole test suite: installs the real loopback test peers if missing (microsocks, dante, postfix, chromium;
# needs root or sudo the first time), then `./mvnw verify` on the newest JDK >= 21.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/find-jdk.sh"
rch_find_jdk
echo "test.sh: JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) at $JAVA_HOME"
"$ROOT/scripts/install-test-peers.sh"
cd "$ROOT"
exec ./mvnw -B verify "$@"
