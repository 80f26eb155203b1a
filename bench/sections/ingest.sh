# Sourced by bench/run.sh (shares its variables and helpers): one benchmark section.
# ------------------------------------------------------------------------------------------------
# 6. Practices ingest: group commit vs naive, SQLite and durable PostgreSQL; SIGKILL reliability.
ingest_bench() {
  # A private copy of the binary: others may rebuild build/ while this part runs.
  local bin=$WORK/accesso-unico-ingest pgport url cmd rc=0
  cp "$BIN" "$bin"
  log "PostgreSQL usa-e-getta con fsync=on e synchronous_commit=on (i valori predefiniti)"
  pgport=$(free_port)
  PGDATA=$(mktemp -d /tmp/au-bench-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
  as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$WORK/initdb-ingest.log" 2>&1
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 120 -o "-p $pgport -k $PGDATA \
    -c listen_addresses=127.0.0.1 -c max_connections=200" start > "$WORK/pg_ctl-ingest.log" 2>&1
  url="postgresql://postgres@127.0.0.1:$pgport/postgres"
  as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -Atc \
    "SELECT name || '=' || setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','wal_sync_method')" \
    | tr '\n' ' ' > "$RES/ingest_pg_settings"
  log "ingest: gruppo vs una transazione per evento, ${INGEST_SECONDS} s per prova; carico $(loadavg)"
  AU_BINARY=$bin node "$ROOT/bench/ingest.mjs" run --sqlite --pg "$url" --seconds "$INGEST_SECONDS" \
    --json "$RES/ingest.json" 2> "$WORK/ingest.log" || { echo "bench/ingest.mjs fallito" >&2; return 1; }
  for engine in sqlite postgresql; do
    log "affidabilità a piena scala su $engine: $REL_EVENTS eventi, 32 client, 20 SIGKILL; carico $(loadavg)"
    AU_BINARY=$bin node "$ROOT/tests/practices/reliability.mjs" --events "$REL_EVENTS" --clients 32 --kills 20 \
      --database "$([ $engine = postgresql ] && echo "$url")" --json "$RES/reliability_$engine.json" \
      > "$WORK/reliability_$engine.out" 2> "$WORK/reliability_$engine.log" || rc=1
    cat "$WORK/reliability_$engine.out" >&2
  done
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop > /dev/null
  rm -rf "$PGDATA"
  PGDATA=""
  cmd="bench/run.sh $(basename "$BUILD") --only ingest"
  [ "$INGEST_SECONDS" = 10 ] || cmd+=" --ingest-seconds $INGEST_SECONDS"
  [ "$REL_EVENTS" = 50000 ] || cmd+=" --reliability-events $REL_EVENTS"
  node "$ROOT/bench/ingest.mjs" report --json "$RES/ingest.json" --command "$cmd" \
    --reliability "$RES/reliability_sqlite.json,$RES/reliability_postgresql.json" > "$RES/ingest.md"
  printf '\nSettings of that PostgreSQL cluster, as it reported them: %s.\n' "$(cat "$RES/ingest_pg_settings")" >> "$RES/ingest.md"
  [ $rc = 0 ] || { echo "affidabilità: controlli falliti (vedi docs/BENCHMARKS.md)" >&2; INGEST_FAILED=1; }
}
