#!/usr/bin/env bash
# Installs the third-party loopback peers the test suite starts itself (Debian/Ubuntu).
# Idempotent: installs only what is missing and creates the dante test user only when absent.
# Used by .ci/run and by developers; needs root or sudo.
#
#   microsocks    SOCKS5 proxy (dev.reacher.testkit.Microsocks)
#   dante-server  SOCKS5 proxy with Unix-user authentication (dev.reacher.testkit.Dante)
#   chromium, chromium-driver
#                 Debian's browser and its WebDriver (dev.reacher.testkit.Chromedriver) for the
#                 headless-method and status page tests; installed from the distribution, never
#                 downloaded at run time
#   socksbob      Unix user dante authenticates (password hunter2, test only)
#   bsdutils      script(1): the CLI's terminal tests run it under a pseudo-terminal (TerminalProgressTest)
#   postfix       a real MTA for the SMTP client's tests (dev.reacher.testkit.Postfix); preseeded as
#                 "No configuration" so Debian writes no /etc/postfix/main.cf and starts no system
#                 instance: every test starts its own private instance with its own config and queue
set -euo pipefail

DANTE_USER=socksbob
DANTE_PASSWORD=hunter2

log() { printf 'install-test-peers: %s\n' "$*"; }
die() { printf 'install-test-peers: ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  die "must run as root or with passwordless sudo (try: sudo $0)"
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install microsocks, dante-server (danted) and postfix with your package manager"

export DEBIAN_FRONTEND=noninteractive

# Package -> binary it must provide. danted lives in /usr/sbin, which may be off a non-root PATH.
need=()
have_binary() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have_binary microsocks || need+=(microsocks)
have_binary danted || need+=(dante-server)
have_binary script || need+=(bsdutils)
have_binary chromium || need+=(chromium)
have_binary chromedriver || need+=(chromium-driver)
have_binary postfix || need+=(postfix)

if [ ${#need[@]} -gt 0 ]; then
  log "installing: ${need[*]}"
  # Without these answers postfix's debconf would ask for a mailer type; "No configuration" leaves
  # the system instance unconfigured (and so not started) - the tests never use it.
  printf '%s\n' \
    'postfix postfix/main_mailer_type select No configuration' \
    'postfix postfix/mailname string localhost' | "${SUDO[@]}" debconf-set-selections
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  log "installed: ${need[*]}"
else
  log "packages already present: microsocks, dante-server, bsdutils (script), chromium, chromium-driver, postfix"
fi
have_binary microsocks || die "microsocks still missing after install"
have_binary danted || die "danted still missing after install"
have_binary script || die "script (bsdutils) still missing after install"
have_binary chromium || die "chromium still missing after install"
have_binary chromedriver || die "chromedriver still missing after install"
have_binary postfix || die "postfix still missing after install"

set_cheap_password() {
  # danted verifies the system password on EVERY connection; Debian's default yescrypt costs
  # ~65 ms of CPU each time, so the test user gets a cheap SHA-512 hash with 1000 rounds.
  echo "$DANTE_USER:$DANTE_PASSWORD" | "${SUDO[@]}" chpasswd -c SHA512 -s 1000
}
if ! id "$DANTE_USER" >/dev/null 2>&1; then
  "${SUDO[@]}" useradd -M -s /usr/sbin/nologin "$DANTE_USER"
  set_cheap_password
  log "created user $DANTE_USER (SHA-512, 1000 rounds)"
elif ! "${SUDO[@]}" getent shadow "$DANTE_USER" | cut -d: -f2 | grep -q '^\$6\$rounds=1000\$'; then
  # Created by someone else (e.g. with the default yescrypt hash): reset to the test password.
  set_cheap_password
  log "user $DANTE_USER existed with another hash; password reset (SHA-512, 1000 rounds)"
else
  log "user $DANTE_USER already exists"
fi

log "done"
