#!/usr/bin/env bash
# Benchmarks of accesso-unico, each against a reference measured in the same run, written to
# docs/BENCHMARKS.md (GUIDE.md §5, tech-stack.md §1 and §3).
#
#   bench/run.sh BUILD_DIR [--with-build] [--comuni N] [--queries N] [--queries-all N]
#                          [--only page|search|identity|build|ingest] [--ingest-seconds N]
#                          [--reliability-events N]
#
#   1. cached service page: accesso-unico vs nginx serving the same bytes (wrk, 3 rounds,
#      alternating order, identity and gzip);
#   2. search at national scale: bench/search_scale.cpp, Xapian (SearchIndex) vs PostgreSQL 15
#      full-text search on a throw-away cluster, same documents, same queries, same client loop;
#   3. memory (VmRSS) of `serve` idle and after the load test, and of the search process;
#   4. clean build time, only with --with-build (it takes minutes);
#   5. identity (issue 3): the same cached service page logged in vs anonymous (wrk, 3 rounds,
#      alternating order, identity and gzip), the session opened through the demo OpenID provider
#      by bench/login-session.mjs; and bench/token_verify.cpp (RS256/ES256 verify and sign).
#   6. practices ingest: bench/ingest.mjs (group commit vs one transaction per event, single
#      events and batches, SQLite and a durable PostgreSQL) and the full-size SIGKILL reliability
#      run of tests/practices/reliability.mjs on both engines.
#
# Every process started here is stopped on exit (also on error or Ctrl-C) and every temporary
# directory removed. Ports are free loopback ports picked by the kernel. wrk and the servers share
# this machine's cores: read the ratios, not the absolute numbers.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "uso: bench/run.sh BUILD_DIR [--with-build] [--comuni N] [--queries N] [--queries-all N] [--only page|search|identity|build|ingest] [--ingest-seconds N] [--reliability-events N]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd); shift
WITH_BUILD=0
COMUNI=7900          # about the number of Italian comuni
QUERIES=2000         # per configuration, portal default (variants hidden)
QUERIES_ALL=2000     # per configuration, all documents (include_variants=true)
ONLY=""
INGEST_SECONDS=10    # per ingest run, after a 2 s warm-up
REL_EVENTS=50000     # full-size reliability run (32 clients, 20 SIGKILLs)
while [ $# -gt 0 ]; do
  case "$1" in
    --with-build) WITH_BUILD=1 ;;
    --comuni) COMUNI=$2; shift ;;
    --queries) QUERIES=$2; shift ;;
    --queries-all) QUERIES_ALL=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --ingest-seconds) INGEST_SECONDS=$2; shift ;;
    --reliability-events) REL_EVENTS=$2; shift ;;
    *) echo "opzione sconosciuta: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$ONLY" = build ]; then WITH_BUILD=1; fi

BIN=$BUILD/accesso-unico
OUT=$ROOT/docs/BENCHMARKS.md
PAGE=/servizi/autorizzazione-unica-ambientale
PGBIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
WRK_CONN=64
WRK_SECONDS=10
WARMUP_SECONDS=3
ROUNDS=3

for tool in wrk nginx curl python3 g++ "$PGBIN/initdb" "$PGBIN/pg_ctl"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "manca $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
if [ -z "$ONLY" ] || [ "$ONLY" = identity ] || [ "$ONLY" = ingest ]; then
  command -v node >/dev/null 2>&1 || { echo "manca node (scripts/install-deps.sh)" >&2; exit 1; }
  [ -d "$ROOT/node_modules/oidc-provider" ] || { echo "manca node_modules/oidc-provider: npm ci" >&2; exit 1; }
fi
[ -x "$BIN" ] || { echo "manca $BIN: compila prima (make build)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/au-bench.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as an unprivileged user when started by root
RES=$WORK/results
mkdir -p "$RES"
PIDS=()             # background processes to stop on exit
PGDATA=""
STARTED=$(date +%s)

log() { printf '==> %s\n' "$*" >&2; }

timed() {  # NAME COMMAND...: runs it and records its wall time for the report
  local name=$1 t0
  t0=$(date +%s)
  shift
  "$@"
  echo "$name $(( $(date +%s) - t0 ))" >> "$RES/times"
}

section_times() {
  [ -f "$RES/times" ] || { echo "–"; return; }
  awk '{ printf "%s%s %d min %02d s", (NR > 1 ? "; " : ""), $1, $2 / 60, $2 % 60 }' "$RES/times"
}

cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
  if [ -n "$PGDATA" ] && [ -f "$PGDATA/postmaster.pid" ]; then
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  [ -n "$PGDATA" ] && rm -rf "$PGDATA"
  if [ $rc -ne 0 ]; then
    echo "bench/run.sh: errore (codice $rc); ultimi log:" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {  # a process stopped on purpose: do not stop it again on exit
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}

stop_pid() {  # graceful stop of one of our processes, then wait for it
  local pid=$1 sig=${2:-TERM}
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_postgres() {  # initdb/pg_ctl refuse to run as root
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

cpu_ticks() {  # user+system clock ticks of the given pids (threads included)
  local total=0 pid t
  for pid in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

wait_http() {  # URL PID TIMEOUT_S: until the URL answers 200 (fails if PID died)
  local url=$1 pid=$2 deadline=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

to_ms() {  # wrk latency ("845.00us", "7.97ms", "1.02s", "1.10m") -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

fmt_int() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }  # 221257 -> 221,257

# ------------------------------------------------------------------------------------------------
# 0. Machine
log "macchina e versioni"
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
NPROC=$(nproc)
MEM_GB=$(awk '/^MemTotal:/ {printf "%.0f", $2/1048576}' /proc/meminfo)
LOAD_START=$(loadavg)
DATE_START=$(date -u '+%Y-%m-%d %H:%M UTC')
V_GXX=$(g++ --version | head -1)
V_CMAKE=$(cmake --version | head -1)
V_NGINX=$(nginx -v 2>&1 | sed 's/^nginx version: nginx\///')
V_WRK=$( (wrk -v 2>&1 || true) | head -1 | awk '{print $1, $2}')
V_PG=$("$PGBIN/postgres" --version)
V_XAPIAN=$(dpkg-query -W -f='${Version}' libxapian30 2>/dev/null || echo "?")
V_KERNEL=$(uname -r)
V_DEBIAN=$(cat /etc/debian_version 2>/dev/null || echo "?")
BIN_SHA=$(sha256sum "$BIN" | cut -c1-12)
BIN_ID="$(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'), sha256 $BIN_SHA"
BUILD_TYPE=$(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$BUILD/CMakeCache.txt" 2>/dev/null || echo "?")

# ------------------------------------------------------------------------------------------------
# Data: the real catalogue, imported into a fresh SQLite file (index in the work dir too).
DB=$WORK/db.sqlite
IDX=$WORK/index
if [ "$ONLY" != build ]; then
  log "importazione del catalogo reale"
  timed import env AU_SEARCH_INDEX="$IDX" "$BIN" --database "sqlite:$DB" import "$ROOT/data" > "$WORK/import.log" 2>&1
fi

# The long sections live in bench/sections/ (sourced: same variables and helpers).
for section in page identity ingest notifications; do . "$ROOT/bench/sections/$section.sh"; done

# ------------------------------------------------------------------------------------------------
# 2. Search at national scale: Xapian (SearchIndex) vs PostgreSQL 15 FTS.
search_bench() {
  local prog=$BUILD/bench_search_scale
  # The CMake target when the project defines it (up to date in a second), else a throw-away
  # build against the module libraries of BUILD_DIR.
  cmake --build "$BUILD" --target bench_search_scale > "$WORK/compile.log" 2>&1 || true
  if [ ! -x "$prog" ] || [ "$ROOT/bench/search_scale.cpp" -nt "$prog" ]; then
    log "compilazione di bench/search_scale.cpp (fuori da CMake, con le librerie di $BUILD)"
    prog=$WORK/search_scale
    local libs=() l
    for l in app api portal importer store search web domain; do libs+=("$BUILD/libau_$l.a"); done
    g++ -std=c++20 -O2 -g -DNDEBUG -DBOOST_BEAST_USE_STD_STRING_VIEW -I"$ROOT/src" \
      -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" \
      "$ROOT/bench/search_scale.cpp" -o "$prog" -Wl,--start-group "${libs[@]}" -Wl,--end-group \
      $(pkg-config --libs xapian-core libcmark) -lsoci_postgresql -lsoci_sqlite3 -lsoci_core -lpq \
      -lsqlite3 -lspdlog -lfmt -lcurl -lcrypto -lz -lpthread -ldl > "$WORK/compile.log" 2>&1
  fi

  log "PostgreSQL 15 usa-e-getta"
  local pgport conninfo
  pgport=$(free_port)
  PGDATA=$(mktemp -d /tmp/au-bench-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
  as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$WORK/initdb.log" 2>&1
  # Durability off (a benchmark copy), JIT off (it only adds compile time to short queries),
  # memory for a ~1 GB table on a 24 GB machine.
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 120 -o "-p $pgport -k $PGDATA \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB \
    -c jit=off" start > "$WORK/pg_ctl.log" 2>&1
  conninfo="host=127.0.0.1 port=$pgport user=postgres dbname=postgres"

  log "indicizzazione nazionale ($COMUNI comuni): Xapian e PostgreSQL in parallelo, uno per core; carico $(loadavg)"
  echo "$(loadavg)" > "$RES/load_search_build"
  local xpid ppid
  "$prog" build-xapian --database "sqlite:$DB" --index "$WORK/national-index" --comuni "$COMUNI" \
    > "$RES/build_xapian" 2> "$WORK/build_xapian.log" &
  xpid=$!; PIDS+=("$xpid")
  "$prog" build-pg --database "sqlite:$DB" --comuni "$COMUNI" --pg "$conninfo" \
    > "$RES/build_pg" 2> "$WORK/build_pg.log" &
  ppid=$!; PIDS+=("$ppid")
  wait "$xpid" || { echo "build-xapian fallito" >&2; return 1; }
  forget_pid "$xpid"
  wait "$ppid" || { echo "build-pg fallito" >&2; return 1; }
  forget_pid "$ppid"

  log "interrogazioni: $QUERIES (solo servizi) e $QUERIES_ALL (tutti i documenti) per configurazione; carico $(loadavg)"
  echo "$(loadavg)" > "$RES/load_search_query"
  "$prog" query --index "$WORK/national-index" --pg "$conninfo" --queries "$QUERIES" \
    --queries-all "$QUERIES_ALL" --threads 1,2 > "$RES/query" 2> "$WORK/query.log"
  du -sm "$PGDATA" | cut -f1 > "$RES/pgdata_mb"
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop > /dev/null
  rm -rf "$PGDATA"
  PGDATA=""
  rm -rf "$WORK/national-index"
}

# ------------------------------------------------------------------------------------------------
# 4. Clean build.
build_bench() {
  local dir=$WORK/clean-build t0 t1
  log "build pulita in $dir (cmake + ninja, -j2)"
  t0=$(date +%s.%N)
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$WORK/cmake.log" 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}' > "$RES/configure_s"
  echo "$(loadavg)" > "$RES/load_build"
  /usr/bin/time -f '%e %U %S' -o "$RES/build_time" cmake --build "$dir" -j2 > "$WORK/ninja.log" 2>&1
  grep -c '^\[' "$WORK/ninja.log" > "$RES/build_steps" || true
  rm -rf "$dir"
}

INGEST_FAILED=0

if [ -z "$ONLY" ] || [ "$ONLY" = page ]; then timed page page_bench; fi
if [ -z "$ONLY" ] || [ "$ONLY" = search ]; then timed search search_bench; fi
if [ -z "$ONLY" ] || [ "$ONLY" = identity ]; then timed identity identity_bench; fi
if [ -z "$ONLY" ] || [ "$ONLY" = ingest ]; then timed ingest ingest_bench; fi
if [ -z "$ONLY" ] || [ "$ONLY" = notifications ]; then timed notifications notifications_bench; fi
if [ "$WITH_BUILD" = 1 ]; then timed build build_bench; fi
LOAD_END=$(loadavg)
ELAPSED=$(( $(date +%s) - STARTED ))
BIN_NOTE=""
if [ "$(sha256sum "$BIN" | cut -c1-12)" != "$BIN_SHA" ]; then
  BIN_NOTE=" — **the binary was rebuilt by someone else during this run**: numbers may mix two builds"
fi

# ------------------------------------------------------------------------------------------------
# Report
val() { [ -f "$RES/$1" ] && cat "$RES/$1" || echo "–"; }
at() { awk -v k="@$2" '$1 == k {print $2}' "$RES/$1" 2>/dev/null; }
keep_section() {  # a part not run this time: keep its last measurement (it carries its date)
  if [ -f "$OUT" ] && grep -q "<!-- section:$1:start -->" "$OUT"; then
    sed -n "/<!-- section:$1:start -->/,/<!-- section:$1:end -->/p" "$OUT"
    echo
  else
    echo "<!-- section:$1:start -->"
    case $1 in
      page) echo "## 1. Cached service page: accesso-unico vs nginx" ;;
      search) echo "## 2. Search at national scale" ;;
      build) echo "## 4. Clean build" ;;
      identity) echo "## 5. Identity (issue 3): logged-in page vs anonymous, token signatures" ;;
      ingest) echo "## 6. Practices ingest: group commit vs one transaction per event, and SIGKILL reliability" ;;
      notifications) echo "## 7. Notifications: email throughput, the reminder scheduler, SIGKILL reliability" ;;
    esac
    echo
    echo "Not measured yet (\`bench/run.sh BUILD_DIR$([ "$1" = build ] && echo " --with-build")\`)."
    echo
    echo "<!-- section:$1:end -->"
    echo
  fi
}

verdict_le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "–") print "–"; else if (a + 0 <= b + 0) print "**met**"; else print "**missed**" }'; }

{
  cat <<EOF
# Benchmarks

Generated by \`bench/run.sh\` (\`make bench\`); do not edit by hand, run it again. Method:
GUIDE.md §5 and standards/tech-stack.md §1/§3 — every number has a reference measured in the same
run. **This machine has $NPROC cores shared by wrk, the servers and (on the project machine) other
sessions' builds and tests: read the ratios, not the absolute numbers.**

| | |
|---|---|
| date | $DATE_START (run took $((ELAPSED / 60)) min $((ELAPSED % 60)) s) |
| machine | $CPU_MODEL, \`nproc\` = $NPROC, $MEM_GB GiB RAM, Linux $V_KERNEL, Debian $V_DEBIAN |
| load average (1/5/15 min) | at start $LOAD_START; at end $LOAD_END |
| accesso-unico | \`$BIN\` ($BUILD_TYPE; built $BIN_ID)$BIN_NOTE |
| time per part | $(section_times) |
| versions | $V_GXX; $V_CMAKE; nginx $V_NGINX; $V_WRK; $V_PG; Xapian (libxapian30) $V_XAPIAN |

EOF

  if [ -f "$RES/page_runs" ]; then
    echo "<!-- section:page:start -->"
    cat <<EOF
## 1. Cached service page: accesso-unico vs nginx

Measured $DATE_START.

\`GET $PAGE\` ($(fmt_int "$(val page_bytes)") bytes of HTML; gzip: accesso-unico $(fmt_int "$(val page_gz_bytes_au)") bytes,
nginx \`gzip_static\` $(fmt_int "$(val page_gz_bytes_nginx)") bytes from \`gzip -6\`). The page is requested once to render and cache
it, then saved byte for byte and served by nginx $V_NGINX from a private config (\`nginx -c conf -p
prefix\`, 2 workers, \`access_log off\`, \`sendfile on\`, \`keepalive_requests 1000000\`,
\`open_file_cache\`, \`gzip_static on\`), with the same response headers as accesso-unico
(security headers, Cache-Control), so both send the same body and similar headers (accesso-unico
$(val hdr_bytes_au) header bytes, nginx $(val hdr_bytes_nginx)). accesso-unico: \`serve\` with \`AU_THREADS=2\`, SQLite.
\`wrk -t2 -c$WRK_CONN -d${WRK_SECONDS}s --latency\` after a ${WARMUP_SECONDS} s warm-up, order alternated by round (1: accesso-unico
first, 2: nginx first, 3: accesso-unico first). "CPU/req" is the server's own CPU time (user+system,
all threads or all nginx processes) during the run divided by the requests served: it does not
depend on how the cores were shared with wrk.

| encoding | round | server | req/s | p50 ms | p99 ms | CPU/req µs | socket errors | non-2xx |
|---|---|---|---|---|---|---|---|---|
EOF
    while read -r e r n rps p50 p99 us err non2xx; do
      echo "| $e | $r | $n | $(fmt_int "$rps") | $p50 | $p99 | $us | $err | $non2xx |"
    done < "$RES/page_runs"
    cat <<EOF

Ratios per round (accesso-unico ÷ nginx; target: req/s ≥ 1.0×, p99 ≤ nginx's):

| encoding | round | req/s ratio | p99 ratio | CPU/req ratio | req/s target | p99 target |
|---|---|---|---|---|---|---|
EOF
    awk '{ k = $1 " " $2; if ($3 == "nginx") { nr[k] = $4; np[k] = $6; nc[k] = $7 } else { ar[k] = $4; ap[k] = $6; ac[k] = $7 }; keys[k] = 1; order[++n] = k }
         END { for (i = 1; i <= n; i++) { k = order[i]; if (seen[k]++) continue; split(k, p, " ");
           rr = ar[k] / nr[k]; pr = ap[k] / np[k]; cr = ac[k] / nc[k];
           printf "| %s | %s | %.2f× | %.2f× | %.2f× | %s | %s |\n", p[1], p[2], rr, pr, cr,
             (rr >= 1.0 ? "met" : "**missed**"), (pr <= 1.0 ? "met" : "**missed**") } }' "$RES/page_runs"
    echo
    awk -v r="$ROUNDS" '{ k = $1; if ($3 == "nginx") { nr[k] += $4; np[k] += $6; nc[k] += $7 } else { ar[k] += $4; ap[k] += $6; ac[k] += $7 } }
         END { for (k in nr) printf "- %s, mean over the rounds: accesso-unico %.0f req/s vs nginx %.0f req/s (**%.2f×**); p99 %.2f ms vs %.2f ms; CPU per request %.1f µs vs %.1f µs.\n",
               k, ar[k] / r, nr[k] / r, ar[k] / nr[k], ap[k] / r, np[k] / r, ac[k] / r, nc[k] / r }' "$RES/page_runs" | sort
    if [ -s "$RES/share_note" ]; then
      cat <<EOF

**Note:** \`serve\` did not start from the tree as it is ("$(val share_note)"):
a comment in a stylesheet that mentions \`asset:NAME\` is taken for an asset reference. The page
test ran with copies of \`static/css/*.css\` without comments (same templates, data and code).
EOF
    fi
    echo
    echo "<!-- section:page:end -->"
    echo
  else
    keep_section page
  fi

  if [ -f "$RES/query" ]; then
    local_docs=$(at build_xapian DOCS)
    echo "<!-- section:search:start -->"
    cat <<EOF
## 2. Search at national scale: Xapian (SearchIndex) vs PostgreSQL 15 full-text search

Measured $DATE_START.

\`bench/search_scale.cpp\`: the real catalogue (57 services, imported from \`data/\`) with its 92
comuni replaced by **$(fmt_int "$COMUNI") generated comuni** (deterministic Italian-like names; comune *i*
copies the local variants of real comune *i* mod 92). The documents are made by
\`app::search_documents()\`, the function \`serve\` indexes with: one per service plus one per
(service, comune) where the service is offered — **$(fmt_int "$local_docs") documents**, $(fmt_int "$(at build_xapian VARIANTS)") of them local
variants, $(at build_xapian TEXT_MB) MB of text: $(awk -v v="$(at build_xapian VARIANTS)" -v c="$COMUNI" 'BEGIN {printf "%.0f", v / c}') documents per comune, the services the real catalogue
offers in every comune (so 7,900 comuni give ~221k documents rather than 300k). PostgreSQL $(echo "$V_PG" | awk '{print $3}') gets the same documents in
\`docs(id, kind, title, body)\` with \`tsv tsvector GENERATED ALWAYS AS (to_tsvector('italian',
title || ' ' || body)) STORED\` (body = summary + keywords + body, the fields Xapian indexes), a
GIN index on it and a b-tree on \`kind\`; throw-away cluster (initdb + pg_ctl, free port, fsync off,
shared_buffers 1GB, jit off), removed afterwards.

### Index build (both ran at the same time, one per core; load average $(val load_search_build))

| engine | what | wall s | CPU s | size on disk | peak RSS |
|---|---|---|---|---|---|
| Xapian $V_XAPIAN | \`SearchIndex::rebuild(docs)\` | $(at build_xapian XAPIAN_BUILD_S) | $(at build_xapian XAPIAN_BUILD_CPU_S) | $(at build_xapian XAPIAN_INDEX_MB) MB | $(at build_xapian BUILD_HWM_MB) MB (the SearchDoc vector alone: $(at build_xapian BUILD_RSS_DOCS_MB) MB) |
| PostgreSQL 15 | COPY (to_tsvector in the generated column) | $(at build_pg PG_COPY_S) | $(at build_pg PG_BACKEND_CPU_S) (backend, COPY + index) | table $(at build_pg PG_TABLE_MB) MB | – |
| PostgreSQL 15 | CREATE INDEX gin + btree, VACUUM ANALYZE | $(at build_pg PG_INDEX_S) | (included above) | indexes $(at build_pg PG_INDEX_MB) MB | – |

### Queries (load average $(val load_search_query))

The same $(at query QUERY_SET) fixed queries (\`queries()\` in search_scale.cpp: "carta d'identità", "residenza", "tari",
"passo carrabile", "certificato anagrafico", misspellings such as "autorizazione" and
"certifcato resdenza", elisions, two comune-specific searches), cycled in a fixed order; one
untimed pass per thread first. One client loop for both engines: each thread has its own handle
(Xapian: the shared \`SearchIndex\`; PostgreSQL: its own libpq connection with a prepared
statement), takes the next query, times it with \`steady_clock\`. Xapian: \`SearchIndex::search\`
with the portal's defaults (limit 10, facets, spelling suggestion, snippets). PostgreSQL:
\`SELECT id, title, ts_rank(tsv, q) FROM docs, plainto_tsquery('italian', \$1) q WHERE tsv @@ q
[AND kind = 'main'] ORDER BY rank DESC LIMIT 10\` — it does less work than Xapian (no facets, no
exact total, no snippets, no spelling). "Portal default" is what \`/cerca\` and
\`/api/v1/search\` do (local variants indexed but hidden); "all documents" is
\`include_variants=true\`. Target: p99 ≤ 5 ms.

EOF
    grep '^|' "$RES/query"
    echo
    echo "p99 target (≤ 5 ms):"
    echo
    awk '$1 == "@P99" { v = $NF; $1 = ""; $NF = ""; sub(/^ /, ""); sub(/ $/, "");
         printf "- %s: p99 %s ms — %s\n", $0, v, (v + 0 <= 5 ? "met" : "**missed**") }' "$RES/query"
    echo
    echo "<!-- section:search:end -->"
    echo
  else
    keep_section search
  fi

  cat <<EOF
## 3. Memory (VmRSS from /proc/PID/status)

| process | when | RSS | target | verdict | measured |
|---|---|---|---|---|---|
EOF
  local_date=${DATE_START% UTC}
  if [ -f "$RES/rss_idle" ]; then
    echo "| \`accesso-unico serve\` (Umbria catalogue, AU_THREADS=2) | idle, 2 s after it first answered (ready $(val serve_ready_s) s after start) | $(val rss_idle) MB | ≤ 30 MB | $(verdict_le "$(val rss_idle)" 30) | $local_date |"
    if [ -f "$RES/rss_idle_trimmed" ]; then
      echo "| \`accesso-unico serve\` | idle, right after \`malloc_trim(0)\` called through gdb (diagnostic: what is left once glibc returns freed heap) | $(val rss_idle_trimmed) MB | ≤ 30 MB | $(verdict_le "$(val rss_idle_trimmed)" 30) | $local_date |"
      echo "| \`accesso-unico serve\` | after the page load test (which followed the trim) | $(val rss_after_load) MB (peak $(val hwm_after_load) MB) | – | – | $local_date |"
    else
      echo "| \`accesso-unico serve\` | after the page load test | $(val rss_after_load) MB (peak $(val hwm_after_load) MB) | – | – | $local_date |"
    fi
    echo "| nginx (reference) | after the page load test | workers $(val nginx_workers_rss) MB in total, master $(val nginx_master_rss) MB | – | – | $local_date |"
  elif [ -f "$OUT" ]; then
    grep -E '^\| (`accesso-unico serve`|nginx \(reference\))' "$OUT" | grep -E '\| [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]+ \|$' || true
  fi
  if [ -f "$RES/query" ]; then
    echo "| \`search_scale query\` ($(fmt_int "$(at query QUERY_DOCS)") docs) | index open, before queries | $(at query QUERY_RSS_OPEN_MB) MB | – | – | $local_date |"
    echo "| \`search_scale query\` | after all queries | $(at query QUERY_RSS_AFTER_MB) MB (peak $(at query QUERY_HWM_MB) MB) | ≤ 500 MB | $(verdict_le "$(at query QUERY_RSS_AFTER_MB)" 500) | $local_date |"
    echo "| \`search_scale build-xapian\` | peak while building the national index (what \`serve\` holds while it rebuilds) | $(at build_xapian BUILD_HWM_MB) MB | ≤ 500 MB | $(verdict_le "$(at build_xapian BUILD_HWM_MB)" 500) | $local_date |"
    echo "| PostgreSQL data directory (reference) | after load and queries | $(val pgdata_mb) MB on disk | – | – | $local_date |"
  elif [ -f "$OUT" ]; then
    grep -E '^\| (`search_scale|PostgreSQL data directory)' "$OUT" | grep -E '\| [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]+ \|$' || true
  fi
  [ -f "$RES/gdb_error" ] && printf '\n(The malloc_trim diagnostic could not run: %s.)\n' "$(val gdb_error)"
  echo

  if [ -f "$RES/build_time" ]; then
    read -r b_wall b_user b_sys < "$RES/build_time"
    cat <<EOF
<!-- section:build:start -->
## 4. Clean build

Measured $DATE_START: \`cmake -S . -B <tmp> -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo\` then
\`cmake --build <tmp> -j2\` (every target: the binary, the module libraries and the tests; $(val build_steps) ninja steps);
load average $(val load_build) at the start.

| step | wall | CPU (user + sys) |
|---|---|---|
| configure | $(val configure_s) s | – |
| build, -j2 | $b_wall s ($(awk -v s="$b_wall" 'BEGIN {printf "%d min %d s", s / 60, s % 60}')) | $(awk -v u="$b_user" -v s="$b_sys" 'BEGIN {printf "%.0f s", u + s}') |
<!-- section:build:end -->
EOF
  else
    keep_section build
  fi
  if [ -f "$RES/id_runs" ]; then
    tv() { awk -v k="$1" '$1 == k {print $2}' "$RES/token_verify" 2>/dev/null; }
    echo "<!-- section:identity:start -->"
    cat <<EOF
## 5. Identity (issue 3): logged-in page vs anonymous, token signatures

Measured $(val id_date) on $CPU_MODEL (\`nproc\` = $NPROC, $MEM_GB GiB RAM), load average $(val id_load_start) at
the start of this part and $(val id_load_end) at its end; \`$BIN\` (built $BIN_ID). Command:
\`bench/run.sh $(basename "$BUILD")$([ -n "$ONLY" ] && echo " --only $ONLY")\` (this part: \`identity_bench\`).

### The cached service page, logged in vs anonymous

Same server (\`serve\`, \`AU_THREADS=2\`, SQLite, login with the demo OpenID provider), same page
\`GET $PAGE\`. *Logged in* adds \`Cookie: $(awk '$1 == "cookie" {split($2, c, "="); print c[1]}' "$WORK/login.out" 2>/dev/null)=…\`: a session of the demo person "cittadino"
(Maria Rossi) opened by \`bench/login-session.mjs\` through the provider's login page and the
portal's \`/auth/login\` and \`/auth/callback\` (no row written by hand). The anonymous answer is
the cached page as it is (shared body, gzip made once); the logged-in answer is a copy of the
same cached page made for each request, with the header's personal-area button replaced ("Area
personale di Maria Rossi", \`Portal::personalise()\`) and \`Cache-Control: private, no-store\`; its
gzip form is the page's two precompressed halves around the button (\`web::GzipWithHole\`), so
nothing is recompressed (the session is resumed from a 2 s in-memory cache).
Bytes: anonymous $(fmt_int "$(val id_anon_bytes)") of HTML ($(fmt_int "$(val id_anon_gz_bytes)") gzip),
logged in $(fmt_int "$(val id_auth_bytes)") ($(fmt_int "$(val id_auth_gz_bytes)") gzip). \`wrk -t2 -c$WRK_CONN -d${WRK_SECONDS}s --latency\` after a ${WARMUP_SECONDS} s warm-up,
order alternated by round (1 and 3: anonymous first; 2: logged in first); encoding "gzip-c1" is
\`wrk -t1 -c1\` (one connection: the latency of one request with no queue). "CPU/req": the
server's CPU time (user + system, all threads) during the run ÷ requests served.

| encoding | round | client | req/s | p50 ms | p99 ms | CPU/req µs | socket errors | non-2xx | load (1 min) after |
|---|---|---|---|---|---|---|---|---|---|
EOF
    while read -r e r n rps p50 p99 us err non2xx ld; do
      echo "| $e | $r | $n | $(fmt_int "$rps") | $p50 | $p99 | $us | $err | $non2xx | $ld |"
    done < "$RES/id_runs"
    cat <<EOF

Ratios per round (logged in ÷ anonymous). Target: authentication adds under 10 % latency, i.e.
p50 and p99 ratios ≤ 1.10× (with the machine shared, p99 moves most from run to run; the CPU/req
ratio does not depend on how the cores were shared):

| encoding | round | req/s ratio | p50 ratio | p99 ratio | CPU/req ratio | p50 target | p99 target |
|---|---|---|---|---|---|---|---|
EOF
    awk 'function verdict(x) { return x <= 1.10 ? "met" : sprintf("**missed** (+%.0f %%)", (x - 1) * 100) }
         { k = $1 " " $2; if ($3 == "anonymous") { nr[k] = $4; n5[k] = $5; np[k] = $6; nc[k] = $7 } else { ar[k] = $4; a5[k] = $5; ap[k] = $6; ac[k] = $7 }; order[++n] = k }
         END { for (i = 1; i <= n; i++) { k = order[i]; if (seen[k]++) continue; split(k, p, " ");
           printf "| %s | %s | %.2f× | %.2f× | %.2f× | %.2f× | %s | %s |\n", p[1], p[2], ar[k] / nr[k], a5[k] / n5[k], ap[k] / np[k], ac[k] / nc[k],
             verdict(a5[k] / n5[k]), verdict(ap[k] / np[k]) } }' "$RES/id_runs"
    echo
    awk -v r="$ROUNDS" 'function verdict(x) { return x <= 1.10 ? "met" : sprintf("**missed by %.0f points**", (x - 1.10) * 100) }
         { k = $1; if ($3 == "anonymous") { nr[k] += $4; n5[k] += $5; np[k] += $6; nc[k] += $7 } else { ar[k] += $4; a5[k] += $5; ap[k] += $6; ac[k] += $7 } }
         END { for (k in nr) { r5 = a5[k] / n5[k]; r99 = ap[k] / np[k];
               printf "- %s, mean over the rounds: logged in %.0f req/s vs anonymous %.0f req/s (**%.2f×**); p50 %.2f vs %.2f ms (**%+.0f %%**, target ≤ +10 %%: %s); p99 %.2f vs %.2f ms (**%+.0f %%**: %s); CPU per request %.1f vs %.1f µs (**%.2f×**, %+.1f µs a request).\n",
               k, ar[k] / r, nr[k] / r, ar[k] / nr[k], a5[k] / r, n5[k] / r, (r5 - 1) * 100, verdict(r5), ap[k] / r, np[k] / r, (r99 - 1) * 100, verdict(r99),
               ac[k] / r, nc[k] / r, ac[k] / nc[k], (ac[k] - nc[k]) / r } }' "$RES/id_runs" | sort
    echo
    echo "### Access-token signatures (\`bench/token_verify.cpp\`)"
    echo
    if [ -f "$RES/token_verify" ]; then
      cat <<EOF
\`cmake --build $(basename "$BUILD") --target bench_token_verify\`, then \`$(basename "$BUILD")/bench_token_verify\`: one thread, each
figure is the rate over 2 s of back-to-back operations on a token shaped like ours (RFC 9068
\`at+jwt\`, 8 claims). *Verify* is what every API call with a bearer token pays: \`parse_jws\` +
\`verify_jws\` + \`check_claims\`. Load average $(val token_load) at the end. Reference in the
same run: the server CPU per anonymous cached page (gzip) measured above,
$(awk -v r="$ROUNDS" '$1 == "gzip" && $3 == "anonymous" {s += $7} END {printf "%.1f", s / r}' "$RES/id_runs") µs.

| algorithm | key | token bytes | verify/s | µs per verify | sign/s | µs per sign | verify ÷ anonymous page CPU |
|---|---|---|---|---|---|---|---|
EOF
      page_us=$(awk -v r="$ROUNDS" '$1 == "gzip" && $3 == "anonymous" {s += $7} END {printf "%.3f", s / r}' "$RES/id_runs")
      for alg in rs256 es256; do
        label=$([ "$alg" = rs256 ] && echo "RS256 | RSA 2048" || echo "ES256 | P-256")
        echo "| $label | $(tv ${alg}_token_bytes) | $(fmt_int "$(tv ${alg}_verify_per_s)") | $(tv ${alg}_verify_us) | $(fmt_int "$(tv ${alg}_sign_per_s)") | $(tv ${alg}_sign_us) | $(awk -v a="$(tv ${alg}_verify_us)" -v b="$page_us" 'BEGIN {printf "%.2f×", a / b}') |"
      done
      echo
      echo "- RS256 ÷ ES256: verify $(awk -v a="$(tv rs256_verify_per_s)" -v b="$(tv es256_verify_per_s)" 'BEGIN {printf "%.2f×", a / b}') the rate, sign $(awk -v a="$(tv rs256_sign_per_s)" -v b="$(tv es256_sign_per_s)" 'BEGIN {printf "%.2f×", a / b}') the rate."
    else
      echo "Not measured: \`bench_token_verify\` did not build or run ($(val token_error))."
    fi
    echo
    echo "<!-- section:identity:end -->"
    echo
  else
    keep_section identity
  fi
  if [ -f "$RES/ingest.md" ]; then
    echo "<!-- section:ingest:start -->"
    cat "$RES/ingest.md"
    echo
    echo "<!-- section:ingest:end -->"
    echo
  else
    keep_section ingest
  fi
  if [ -f "$RES/notifications.md" ]; then
    echo "<!-- section:notifications:start -->"; cat "$RES/notifications.md"; echo
    echo "<!-- section:notifications:end -->"; echo
  else
    keep_section notifications
  fi
  # Hand-written reading of the numbers (profiles, causes), kept from run to run.
  if [ -f "$OUT" ] && grep -q '<!-- section:notes:start -->' "$OUT"; then
    echo
    sed -n '/<!-- section:notes:start -->/,/<!-- section:notes:end -->/p' "$OUT"
  fi
} > "$WORK/BENCHMARKS.md"

cp "$WORK/BENCHMARKS.md" "$OUT"
log "risultati in $OUT ($((ELAPSED / 60)) min $((ELAPSED % 60)) s)"
[ "$INGEST_FAILED" = 0 ] || exit 1
