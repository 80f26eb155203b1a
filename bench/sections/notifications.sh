# Sourced by bench/run.sh (shares its variables and helpers): one benchmark section.
# ------------------------------------------------------------------------------------------------
# 7. Notifications (issue 5): 100,000 emails through one worker with 4 threads (≤ 4 SMTP
# connections) vs the same SMTP sink fed by a plain client; the reminder scheduler over 1,000,000
# practices vs its bare INSERT ... SELECT statements; the full-size SIGKILL/outage reliability
# run of tests/notifications/reliability.mjs. Each on SQLite and on a durable PostgreSQL
# (fsync and synchronous_commit on, the defaults). Writes $RES/notifications.md.
#
# Knobs (environment): NOTIFY_EMAILS (100000), NOTIFY_PRACTICES (1000000),
# NOTIFY_REL_RECIPIENTS (10000), NOTIFY_REL_KILLS (10).
notifications_bench() {
  local bin=$WORK/accesso-unico-notify pgport url db part engine rc=0 jsons="" rels=""
  local emails=${NOTIFY_EMAILS:-100000} practices=${NOTIFY_PRACTICES:-1000000}
  local rel_n=${NOTIFY_REL_RECIPIENTS:-10000} rel_kills=${NOTIFY_REL_KILLS:-10}
  cp "$BIN" "$bin"  # a private copy: others may rebuild build/ while this part runs
  command -v sqlite3 >/dev/null && command -v psql >/dev/null || { echo "servono sqlite3 e psql" >&2; return 1; }
  log "notifiche: PostgreSQL usa-e-getta con fsync e synchronous_commit predefiniti (on)"
  pgport=$(free_port)
  PGDATA=$(mktemp -d /tmp/au-bench-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
  as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$WORK/initdb-notify.log" 2>&1
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 120 -o "-p $pgport -k $PGDATA \
    -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB -c max_wal_size=4GB" \
    start > "$WORK/pg_ctl-notify.log" 2>&1
  url="postgresql://postgres@127.0.0.1:$pgport"
  for part in email scheduler; do
    for engine in sqlite postgresql; do
      db=""
      if [ $engine = postgresql ]; then  # an empty database per part
        as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -Xqc "CREATE DATABASE notify_$part" postgres
        db="$url/notify_$part"
      fi
      log "notifiche: $part su $engine; carico $(loadavg)"
      if [ $part = email ]; then
        AU_BINARY=$bin node "$ROOT/bench/notifications.mjs" email --database "$db" --count "$emails" \
          --json "$RES/notify_${part}_$engine.json" > /dev/null 2> "$WORK/notify_${part}_$engine.log" || rc=1
      else
        AU_BINARY=$bin node "$ROOT/bench/notifications.mjs" scheduler --database "$db" --practices "$practices" \
          --json "$RES/notify_${part}_$engine.json" > /dev/null 2> "$WORK/notify_${part}_$engine.log" || rc=1
      fi
      tail -n 8 "$WORK/notify_${part}_$engine.log" >&2
      jsons+="$RES/notify_${part}_$engine.json,"
    done
  done
  as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -Xqc "CREATE DATABASE notify_reliability" postgres
  for engine in sqlite postgresql; do
    log "notifiche: affidabilità a piena scala su $engine: $rel_n destinatari, $rel_kills SIGKILL, 4+4 interruzioni; carico $(loadavg)"
    AU_BINARY=$bin node "$ROOT/tests/notifications/reliability.mjs" --recipients "$rel_n" --kills "$rel_kills" \
      --smtp-outages 4 --receiver-outages 4 --database "$([ $engine = postgresql ] && echo "$url/notify_reliability")" \
      --json "$RES/notify_reliability_$engine.json" > "$WORK/notify_reliability_$engine.out" 2> "$WORK/notify_reliability_$engine.log" || rc=1
    cat "$WORK/notify_reliability_$engine.out" >&2
    tail -n 5 "$WORK/notify_reliability_$engine.log" >&2
    rels+="$RES/notify_reliability_$engine.json,"
  done
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop > /dev/null
  rm -rf "$PGDATA"
  PGDATA=""
  node "$ROOT/bench/notifications.mjs" report --json "$jsons" --reliability "$rels" \
    --command "bench/run.sh $(basename "$BUILD") --only notifications" \
    --machine "$CPU_MODEL (\`nproc\` = $NPROC, $MEM_GB GiB RAM), load average $(loadavg) at the end; \`$BIN\` (built $BIN_ID)" \
    > "$RES/notifications.md"
  [ $rc = 0 ] || echo "notifiche: una parte è fallita o un controllo di affidabilità non è passato (vedi docs/BENCHMARKS.md)" >&2
  return 0
}
