#!/usr/bin/env bash
# Runs every test: unit and HTTP integration tests on SQLite, the database-touching ones again
# on a throw-away PostgreSQL cluster, then the browser tests in Chromium. Ends with one line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
work=$(mktemp -d /tmp/au-tests.XXXXXX)
# The cluster lives outside $work: the postgres user must be able to reach it.
pgdir=$(mktemp -d /tmp/au-pg.XXXXXX)
pass=0; fail=0
cleanup() { scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work" "$pgdir"; }
trap cleanup EXIT

count_ctest() {  # adds the counts of a ctest log to pass/fail
  local line total failed
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$1" | tail -n 1)
  if [ -z "$line" ]; then fail=$((fail + 1)); return; fi
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  pass=$((pass + total - failed)); fail=$((fail + failed))
}

echo "==> test su SQLite (unità e integrazione HTTP)"
(cd "$BUILD" && AU_TEST_DATABASE_URL="" ctest --output-on-failure -j 2 --timeout 600) 2>&1 | tee "$work/sqlite.log"
count_ctest "$work/sqlite.log"

echo "==> test su PostgreSQL (store e integrazione HTTP)"
node_suite() {  # node_suite NAME [DATABASE_URL]: a Node suite against the real binary
  local suite=$1 log="$work/$1-${2:+pg}.log" p f
  ls tests/$suite/*.test.mjs >/dev/null 2>&1 || return 0
  echo "==> test $suite (node)${2:+ su PostgreSQL}"
  # On PostgreSQL the files of a suite share one database: one file at a time.
  AU_TEST_DATABASE_URL="${2:-}" AU_BINARY="$PWD/$BUILD/accesso-unico" \
    node --test ${2:+--test-concurrency=1} --test-reporter=spec tests/$suite/ 2>&1 | tee "$log"
  p=$(grep -E "^ℹ pass [0-9]+" "$log" | awk '{print $3}'); f=$(grep -E "^ℹ fail [0-9]+" "$log" | awk '{print $3}')
  if [ -z "$p" ]; then fail=$((fail + 1)); else pass=$((pass + p)); fail=$((fail + ${f:-0})); fi
}

if pg_url=$(scripts/pg-cluster.sh start "$pgdir"); then
  (cd "$BUILD" && AU_TEST_DATABASE_URL="$pg_url" ctest --output-on-failure -L 'database|http' --timeout 600) 2>&1 | tee "$work/pg.log"
  count_ctest "$work/pg.log"
  # The pages and the API as people and apps use them, on PostgreSQL too.
  node_suite browser "$pg_url"
  node_suite api "$pg_url"
  node_suite identity "$pg_url"
  node_suite practices "$pg_url"
  node_suite notifications "$pg_url"
else
  echo "impossibile avviare PostgreSQL"; fail=$((fail + 1))
fi
scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1

# Node suites on SQLite: browser (Chromium + axe), OpenAPI conformance, SHACL of the export,
# identity (login with the real OpenID provider, authorization matrix, API store), practices
# (interop API with ModI signed requests, the citizen's view, reliability under SIGKILL), support
# (the OpenID provider itself, checked by an independent relying party), notifications (real
# SMTP server, App IO and SMS stand-ins, webhook receivers; reliability under SIGKILL).
for suite in browser api shacl identity practices notifications support; do node_suite "$suite"; done

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
