# Sourced by ./reacher, scripts/test.sh and .ci/run: exports JAVA_HOME for the newest JDK >= 21.
# Order: $JAVA_HOME if it is >= 21, then the newest JDK under /usr/lib/jvm, then `java` on PATH.

_rch_java_major() { # $1 = path to a java binary; prints its feature version (e.g. 25)
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

rch_find_jdk() {
  local candidate best="" best_major=0 major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
                   "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(_rch_java_major "$candidate/bin/java")
    case "$major" in ''|*[!0-9]*) continue ;; esac
    # An explicit JAVA_HOME that is new enough wins; otherwise take the newest found.
    if [ "$candidate" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then best=$candidate; best_major=$major; break; fi
    if [ "$major" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
  done
  if [ -z "$best" ] || [ "$best_major" -lt 21 ]; then
    echo "reacher: needs a JDK 21 or newer (found ${best_major:-none} at ${best:-nowhere})." >&2
    echo "         Install one (e.g. Temurin 21/25) and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}
