#!/usr/bin/env bash
# Starts the real services the server tests use, if they are not already listening:
# PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and RabbitMQ on 127.0.0.1:5672 (guest/guest).
# Idempotent: a service that already answers is left alone. Debian 12, root, no systemd.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds
  for _ in $(seq "$2"); do port_open "$1" && return 0; sleep 1; done
  return 1
}

export DEBIAN_FRONTEND=noninteractive
apt_updated=
need_pkg() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL
if port_open 5432; then
  echo "services-up: PostgreSQL already on 127.0.0.1:5432"
else
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    need_pkg postgresql
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  conf=/etc/postgresql/$ver/main
  # Tests connect as postgres over TCP without a password (loopback only).
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  wait_port 5432 30 || { echo "services-up: PostgreSQL did not start" >&2; exit 1; }
  echo "services-up: PostgreSQL $ver started"
fi
# The fleet tests run an API node and up to four workers at once, each with pools for results,
# the shared proxy state and the politeness limits: more than PostgreSQL's default 100 connections
# at peak. Raise the limit (a restart is needed for it to apply).
max_conn=$(psql -h 127.0.0.1 -U postgres -tAc "SHOW max_connections")
if [ "$max_conn" -lt 300 ]; then
  psql -h 127.0.0.1 -U postgres -qc "ALTER SYSTEM SET max_connections = 300"
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
  wait_port 5432 30 || { echo "services-up: PostgreSQL did not come back after raising max_connections" >&2; exit 1; }
  echo "services-up: PostgreSQL max_connections $max_conn -> 300"
fi
# The databases the tests use (each test class then works in its own schema).
for db in test root; do
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
done

# --- RabbitMQ
if port_open 5672; then
  echo "services-up: RabbitMQ already on 127.0.0.1:5672"
else
  command -v rabbitmq-server >/dev/null || need_pkg rabbitmq-server
  # A node whose app was stopped (rabbitmqctl stop_app) keeps running: start the app only.
  # (`status` fails while the app is stopped; `ping` answers whenever the node runs.)
  if timeout 20 rabbitmqctl -q ping >/dev/null 2>&1; then
    timeout 60 rabbitmqctl -q start_app || true
  else
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached
  fi
  for _ in $(seq 60); do timeout 20 rabbitmqctl -q await_startup --timeout 15 >/dev/null 2>&1 && break; sleep 1; done
  wait_port 5672 30 || { echo "services-up: RabbitMQ did not start" >&2; exit 1; }
  echo "services-up: RabbitMQ started"
fi
