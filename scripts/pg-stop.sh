#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pg-stop.sh DIR: stop the throwaway PostgreSQL that pg-start.sh started in DIR and
# remove DIR. Quiet and successful when nothing runs there.
set -uo pipefail
DIR=${1:?usage: pg-stop.sh DIR}
[ -d "$DIR" ] || exit 0
if [ -f "$DIR/data/postmaster.pid" ]; then
  bin=
  for v in 15 $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
    if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then bin=/usr/lib/postgresql/$v/bin; break; fi
  done
  as=()
  if [ "$(id -u)" -eq 0 ]; then
    user=$(stat -c %U "$DIR/data")
    as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  fi
  "${as[@]}" "$bin/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1
fi
rm -rf "$DIR"
