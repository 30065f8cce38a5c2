#!/usr/bin/env bash
# Makes sure the test database servers answer on 127.0.0.1: PostgreSQL on 5432 (user postgres,
# trust auth) and MariaDB on 3306 (root, empty password). A server that is down is started: the
# packaged one first, else a throwaway one built from the installed binaries. Fails loudly, never
# skips: the test suite needs both. SEALIFT_DB_THROWAWAY=1 goes straight to the throwaway servers.
set -euo pipefail
packaged=$([ "${SEALIFT_DB_THROWAWAY:-0}" = 1 ] && echo no || echo yes)

state=${SEALIFT_DB_STATE:-${TMPDIR:-/tmp}/sealift-test-servers}
mkdir -p "$state"

fail() { echo "ensure-databases: error: $*" >&2; exit 1; }
wait_for() { # wait_for NAME CHECK-FUNCTION
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  return 1
}
as_user() { # as_user USER CMD...: run as an unprivileged user when we are root
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

pg_up() { psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'select 1' >/dev/null 2>&1; }

start_pg() {
  if [ "$packaged" = yes ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for ver in $(ls /etc/postgresql | sort -rV); do
      [ -d "/etc/postgresql/$ver/main" ] || continue
      echo "ensure-databases: starting PostgreSQL $ver (pg_ctlcluster)"
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
      wait_for PostgreSQL pg_up && return 0
    done
  fi
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bindir" ] || bindir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  [ -x "$bindir/initdb" ] || fail "PostgreSQL is not running on 127.0.0.1:5432 and no initdb was found; install it (apt-get install postgresql)"
  local dir="$state/pg"
  local user=postgres
  id "$user" >/dev/null 2>&1 || user=$(id -un)
  echo "ensure-databases: starting a throwaway PostgreSQL cluster in $dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    rm -rf "$dir"; mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown "$user" "$dir"
    as_user "$user" "$bindir/initdb" -D "$dir" -U postgres --auth=trust >"$state/pg-initdb.log" 2>&1 \
      || fail "initdb failed; see $state/pg-initdb.log"
  fi
  as_user "$user" "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p 5432 -k $dir -c listen_addresses=127.0.0.1" start >/dev/null \
    || fail "PostgreSQL did not start; see $dir/server.log"
  wait_for PostgreSQL pg_up
}

my_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 ping >/dev/null 2>&1; }

start_my() {
  local daemon
  daemon=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null || true)
  [ -n "$daemon" ] || fail "MariaDB is not running on 127.0.0.1:3306 and mariadbd is not installed; install it (apt-get install mariadb-server)"
  if [ "$packaged" = yes ] && [ -d /var/lib/mysql/mysql ]; then
    echo "ensure-databases: starting MariaDB (packaged data directory)"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec "$daemon" 2>/dev/null || true
    wait_for MariaDB my_up && return 0
  fi
  local dir="$state/mariadb"
  echo "ensure-databases: starting a throwaway MariaDB in $dir"
  if [ ! -d "$dir/data/mysql" ]; then
    rm -rf "$dir"; mkdir -p "$dir/data"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/data" \
      --auth-root-authentication-method=normal >"$state/mariadb-install.log" 2>&1 \
      || fail "mariadb-install-db failed; see $state/mariadb-install.log"
  fi
  nohup "$daemon" --no-defaults --user="$(id -un)" --datadir="$dir/data" --port=3306 \
    --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
    >"$dir/server.log" 2>&1 &
  wait_for MariaDB my_up || fail "MariaDB did not start; see $dir/server.log"
}

pg_up || start_pg || fail "PostgreSQL is still not answering on 127.0.0.1:5432"
my_up || start_my || fail "MariaDB is still not answering on 127.0.0.1:3306"
echo "ensure-databases: PostgreSQL and MariaDB are up"
