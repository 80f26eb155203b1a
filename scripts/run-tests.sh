#!/usr/bin/env bash
# Runs every test in two streams side by side: SQLite (unit and HTTP integration tests, then the
# Node suites: browser, API, SHACL, identity, practices, notifications, support) and PostgreSQL
# (the database-touching C++ tests on a throw-away cluster, then the same Node suites on it).
# Most of a test's time is spent waiting (servers, timers, the browser), so the two streams
# overlap well on 2 cores. AU_TEST_SERIAL=1 runs them one after the other (PostgreSQL first).
# The PostgreSQL stream's output is printed after the SQLite one; the run ends with the time of
# each part and one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
work=$(mktemp -d /tmp/au-tests.XXXXXX)
# The cluster lives outside $work: the postgres user must be able to reach it.
pgdir=$(mktemp -d /tmp/au-pg.XXXXXX)
pass=0; fail=0
timings=""  # "part seconds" lines, printed at the end: where the run's time goes
cleanup() { scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work" "$pgdir"; }
trap cleanup EXIT

timed() {  # timed LABEL COMMAND...: runs it and notes how long it took
  local label=$1 start=$SECONDS; shift
  "$@"
  timings+=$(printf '%-34s %5d s' "$label" $((SECONDS - start)))$'\n'
}

count_ctest() {  # adds the counts of a ctest log to pass/fail
  local line total failed
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$1" | tail -n 1)
  if [ -z "$line" ]; then fail=$((fail + 1)); return; fi
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  pass=$((pass + total - failed)); fail=$((fail + failed))
}

ctest_run() {  # ctest_run LOG DATABASE_URL CTEST-ARGS...
  local log=$1 url=$2; shift 2
  (cd "$BUILD" && AU_TEST_DATABASE_URL="$url" ctest --output-on-failure --timeout 600 "$@") 2>&1 | tee "$work/$log"
  count_ctest "$work/$log"
}

node_suite() {  # node_suite NAME [DATABASE_URL]: a Node suite against the real binary
  local suite=$1 log="$work/$1-${2:+pg}.log" p f
  ls tests/$suite/*.test.mjs >/dev/null 2>&1 || return 0
  echo "==> test $suite (node)${2:+ su PostgreSQL}"
  # One file at a time: on PostgreSQL the files of a suite share one database, and on SQLite the
  # other stream already uses the second core.
  AU_TEST_DATABASE_URL="${2:-}" AU_BINARY="$PWD/$BUILD/accesso-unico" \
    node --test --test-concurrency=1 --test-reporter=spec tests/$suite/ 2>&1 | tee "$log"
  p=$(grep -E "^ℹ pass [0-9]+" "$log" | awk '{print $3}'); f=$(grep -E "^ℹ fail [0-9]+" "$log" | awk '{print $3}')
  if [ -z "$p" ]; then fail=$((fail + 1)); else pass=$((pass + p)); fail=$((fail + ${f:-0})); fi
}

postgresql_stream() {
  echo "==> test su PostgreSQL (store e integrazione HTTP)"
  local pg_url
  if pg_url=$(scripts/pg-cluster.sh start "$pgdir"); then
    timed "C++ (PostgreSQL)" ctest_run pg.log "$pg_url" -L 'database|http'
    # The pages and the API as people and apps use them, on PostgreSQL too.
    for suite in browser api identity practices notifications; do timed "$suite (PostgreSQL)" node_suite "$suite" "$pg_url"; done
  else
    echo "impossibile avviare PostgreSQL"; fail=$((fail + 1))
  fi
  scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1
}

sqlite_stream() {
  echo "==> test su SQLite (unità e integrazione HTTP)"
  timed "C++ (SQLite)" ctest_run sqlite.log "" -j 2
  # Node suites: browser (Chromium + axe), OpenAPI conformance, SHACL of the export, identity
  # (login with the real OpenID provider, authorization matrix, API store), practices (interop API
  # with ModI signed requests, the citizen's view, reliability under SIGKILL), notifications (real
  # SMTP server, App IO and SMS stand-ins, webhook receivers; reliability under SIGKILL), support
  # (the OpenID provider itself, checked by an independent relying party).
  for suite in browser api shacl identity practices notifications support; do timed "$suite (SQLite)" node_suite "$suite"; done
}

if [ "${AU_TEST_SERIAL:-0}" = 1 ]; then
  postgresql_stream
  sqlite_stream
else
  # The PostgreSQL stream in a subshell: its counts and timings come back through files.
  (
    postgresql_stream
    echo "$pass $fail" >"$work/pg.counts"
    printf '%s' "$timings" >"$work/pg.timings"
  ) >"$work/pg-stream.log" 2>&1 &
  pg_stream=$!
  sqlite_stream
  wait "$pg_stream"
  cat "$work/pg-stream.log"
  if read -r p f <"$work/pg.counts" 2>/dev/null; then
    pass=$((pass + p)); fail=$((fail + f))
  else
    echo "il flusso PostgreSQL non ha riportato i conteggi"; fail=$((fail + 1))
  fi
  timings+=$(cat "$work/pg.timings" 2>/dev/null)$'\n'
fi

echo
printf '%s' "$timings"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
