#!/usr/bin/env bash
# Regenerates core/src/main/resources/dev/reacher/core/misc/disposable_domains.txt from the npm
# package `mailchecker` (MIT), the disposable-domain list upstream Reacher uses.
#
# Usage: scripts/update-disposable-domains.sh [version]   (default: the pinned version below)
# Needs: npm, node, tar. Afterwards update the version in ATTRIBUTION.md next to the list.
#
# The npm tarball does not ship mailchecker's list.txt: the list is inlined in
# platform/node/index.js. We therefore load that module and print its blacklist() set, which is the
# exact set mailchecker's Node API checks against. If a future tarball ships list.txt, that is used.
set -euo pipefail

version="${1:-6.0.21}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$repo_root/core/src/main/resources/dev/reacher/core/misc/disposable_domains.txt"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "mailchecker@$version" >/dev/null)
tar -xzf "$work"/mailchecker-*.tgz -C "$work"
resolved="$(node -p 'require(process.argv[1]).version' "$work/package/package.json")"

if [[ -f "$work/package/list.txt" ]]; then
    cat "$work/package/list.txt"
else
    node -e 'for (const d of require(process.argv[1]).blacklist()) console.log(d);' \
        "$work/package/platform/node/index.js"
fi \
    | tr -d '\r' \
    | tr '[:upper:]' '[:lower:]' \
    | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' \
    | grep -v '^$' \
    | LC_ALL=C sort -u >"$work/list.txt"

count="$(wc -l <"$work/list.txt")"
if [[ "$count" -lt 1000 ]]; then
    echo "refusing to write a suspiciously short list ($count domains)" >&2
    exit 1
fi
mv "$work/list.txt" "$target"
echo "wrote $count domains from mailchecker $resolved to ${target#"$repo_root"/}"
echo "remember to update the mailchecker version in ATTRIBUTION.md if it changed"
