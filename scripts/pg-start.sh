#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pg-start.sh DIR: start a throwaway PostgreSQL (Debian's postgresql-15) for tests.
# Data, Unix socket and log live in DIR; no TCP at all; trust authentication for the
# superuser `ferry`; durability off (fsync) because the cluster is thrown away.
# As root the server runs as the unprivileged `postgres` user (or `nobody`).
# Writes DIR/env to source (PGHOST, PGPORT, PGUSER, PGDATABASE; the server's tools
# on PATH) and prints the
# server's base URL. Stop and remove with scripts/pg-stop.sh DIR.
set -euo pipefail
DIR=${1:?usage: pg-start.sh DIR}

bin=
for v in 15 $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
  if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bin=/usr/lib/postgresql/$v/bin; break; fi
done
if [ -z "$bin" ]; then
  echo "pg-start: no PostgreSQL server found (install postgresql: bash scripts/deps.sh)" >&2
  exit 1
fi
case "$DIR" in *[[:space:]]*) echo "pg-start: DIR must not contain spaces: $DIR" >&2; exit 2;; esac
mkdir -p "$DIR"
DIR=$(realpath "$DIR")
if [ -e "$DIR/data" ]; then
  echo "pg-start: $DIR/data exists: stop it with scripts/pg-stop.sh $DIR first" >&2
  exit 1
fi

as=()
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  chown "$user:" "$DIR"
  # searchable, not listable: environments run as uids of their own (docs/SECURITY.md)
  # and reach the server's socket here; the data directory stays 0700
  chmod 0711 "$DIR"
  if ! "${as[@]}" test -w "$DIR"; then
    echo "pg-start: user $user cannot reach $DIR (a parent directory is private): use a DIR under /tmp" >&2
    exit 1
  fi
fi

# The port only names the socket (.s.PGSQL.<port>) inside DIR; keep it private anyway.
port=$((20000 + RANDOM % 30000))
"${as[@]}" "$bin/initdb" -D "$DIR/data" -U ferry -A trust -E UTF8 --no-locale -N >"$DIR/initdb.log" 2>&1 || {
  echo "pg-start: initdb failed:" >&2; cat "$DIR/initdb.log" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $DIR -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB" \
  start >/dev/null || { echo "pg-start: server did not start:" >&2; cat "$DIR/server.log" >&2; exit 1; }

cat >"$DIR/env" <<ENV
export PGBIN=$bin
case ":\$PATH:" in *":$bin:"*) ;; *) export PATH=$bin:\$PATH;; esac
export PGHOST=$DIR
export PGPORT=$port
export PGUSER=ferry
export PGDATABASE=postgres
ENV
echo "postgresql:///postgres?host=$DIR&port=$port&user=ferry"
