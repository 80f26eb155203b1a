# Sourced by bench/run.sh (shares its variables and helpers): one benchmark section.
# ------------------------------------------------------------------------------------------------
# 5. Identity (issue 3): the cached service page logged in vs anonymous; token signatures.
identity_bench() {
  local port url lpid pid issuer client_id client_secret cookie
  port=$(free_port)
  url="http://127.0.0.1:$port"
  echo "$(loadavg)" > "$RES/id_load_start"
  # A real login: the demo OpenID provider (started by the script) and the portal's /auth/login
  # and /auth/callback. The script prints the provider's coordinates, waits for `serve`, logs in.
  log "provider OpenID dimostrativo e accesso di prova (bench/login-session.mjs)"
  node "$ROOT/bench/login-session.mjs" --portal "$url" --person cittadino --timeout 600 \
    > "$WORK/login.out" 2> "$WORK/login.log" &
  lpid=$!
  PIDS+=("$lpid")
  for _ in $(seq 1 300); do
    grep -q '^client_secret ' "$WORK/login.out" 2>/dev/null && break
    kill -0 "$lpid" 2>/dev/null || break
    sleep 0.1
  done
  issuer=$(awk '$1 == "issuer" {print $2}' "$WORK/login.out")
  client_id=$(awk '$1 == "client_id" {print $2}' "$WORK/login.out")
  client_secret=$(awk '$1 == "client_secret" {print $2}' "$WORK/login.out")
  [ -n "$client_secret" ] || { echo "il provider OpenID non parte" >&2; return 1; }

  log "avvio di accesso-unico serve su :$port con l'accesso SPID/CIE ($issuer)"
  AU_SEARCH_INDEX=$IDX AU_SHARE_DIR=$ROOT AU_ASSETS_DIR=$ROOT/node_modules AU_THREADS=2 \
    AU_OIDC_ISSUER=$issuer AU_OIDC_CLIENT_ID=$client_id AU_OIDC_CLIENT_SECRET=$client_secret \
    "$BIN" --database "sqlite:$DB" --listen "127.0.0.1:$port" serve > "$WORK/serve-identity.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_http "$url/status" "$pid" 600 || { echo "serve (con accesso) non risponde" >&2; return 1; }
  wait "$lpid" || { echo "accesso di prova non riuscito" >&2; return 1; }
  forget_pid "$lpid"
  cookie=$(awk '$1 == "cookie" {print $2}' "$WORK/login.out")
  [ -n "$cookie" ] || { echo "nessun cookie di sessione" >&2; return 1; }

  # Both answers are what they should be: the cached page, and the same page with her name.
  curl -sf -o /dev/null "$url$PAGE"
  curl -sf -D "$WORK/id_anon_headers.txt" -o "$WORK/id_anon.html" "$url$PAGE"
  curl -sf -H "Cookie: $cookie" -D "$WORK/id_auth_headers.txt" -o "$WORK/id_auth.html" "$url$PAGE"
  grep -q "Accedi all'area personale" "$WORK/id_anon.html" || { echo "la pagina anonima non è quella attesa" >&2; return 1; }
  grep -q "Area personale di Maria Rossi" "$WORK/id_auth.html" || { echo "la pagina con la sessione non nomina Maria Rossi" >&2; return 1; }
  grep -qi '^Cache-Control: private' "$WORK/id_auth_headers.txt" || { echo "la pagina personale non è private" >&2; return 1; }
  curl -sf -H 'Accept-Encoding: gzip' -D "$WORK/id_anon_gz_headers.txt" -o "$WORK/id_anon.gz" "$url$PAGE"
  curl -sf -H 'Accept-Encoding: gzip' -H "Cookie: $cookie" -D "$WORK/id_auth_gz_headers.txt" -o "$WORK/id_auth.gz" "$url$PAGE"
  for f in id_anon id_auth; do
    grep -qi '^Content-Encoding: gzip' "$WORK/${f}_gz_headers.txt" || { echo "$f: risposta non compressa" >&2; return 1; }
    gzip -dc "$WORK/$f.gz" | cmp -s - "$WORK/$f.html" || { echo "$f: gzip non decomprime nella stessa pagina" >&2; return 1; }
    wc -c < "$WORK/$f.html" | tr -d ' ' > "$RES/${f}_bytes"
    wc -c < "$WORK/$f.gz" | tr -d ' ' > "$RES/${f}_gz_bytes"
  done

  id_wrk() {  # VARIANT ENC ROUND: one wrk run on $PAGE, anonymous or with the session cookie
    local variant=$1 enc=$2 round=$3 hdr=() out c0 c1 conns=$WRK_CONN threads=2
    # "gzip-c1": one connection, so latency is the server's own time, not queueing behind 64 clients.
    [ "$enc" = gzip-c1 ] && { conns=1; threads=1; }
    [ "$enc" != identity ] && hdr+=(-H 'Accept-Encoding: gzip')
    [ "$variant" = logged-in ] && hdr+=(-H "Cookie: $cookie")
    wrk -t"$threads" -c"$conns" -d"${WARMUP_SECONDS}s" "${hdr[@]}" "$url$PAGE" > /dev/null
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t"$threads" -c"$conns" -d"${WRK_SECONDS}s" --latency "${hdr[@]}" "$url$PAGE")
    c1=$(cpu_ticks "$pid")
    echo "$out" > "$WORK/wrk_id_${variant}_${enc}_${round}.txt"
    local rps p50 p99 reqs errors non2xx us
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    errors=$(awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    us=$(awk -v c=$((c1 - c0)) -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c / hz * 1e6 / n}')
    echo "$enc $round $variant $rps $p50 $p99 $us ${errors:-0} ${non2xx:-0} $(loadavg | cut -d' ' -f1)" >> "$RES/id_runs"
  }
  local enc round
  for enc in identity gzip gzip-c1; do
    for round in $(seq 1 "$ROUNDS"); do
      log "pagina con e senza sessione ($enc), giro $round; carico $(loadavg)"
      if [ $((round % 2)) = 1 ]; then
        id_wrk anonymous "$enc" "$round"
        id_wrk logged-in "$enc" "$round"
      else
        id_wrk logged-in "$enc" "$round"
        id_wrk anonymous "$enc" "$round"
      fi
    done
  done
  # Still the same session afterwards (it did not expire or get dropped under load).
  curl -sf -H "Cookie: $cookie" -o "$WORK/id_auth_after.html" "$url$PAGE"
  grep -q "Area personale di Maria Rossi" "$WORK/id_auth_after.html" || { echo "la sessione non vale più dopo il carico" >&2; return 1; }
  stop_pid "$pid" TERM

  # Token signatures: the CMake target (EXCLUDE_FROM_ALL), single-threaded.
  log "bench_token_verify (firma e verifica RS256/ES256); carico $(loadavg)"
  if cmake --build "$BUILD" --target bench_token_verify > "$WORK/compile-token.log" 2>&1 &&
     "$BUILD/bench_token_verify" > "$RES/token_verify" 2> "$WORK/token.log"; then
    echo "$(loadavg)" > "$RES/token_load"
  else
    rm -f "$RES/token_verify"
    tail -n 5 "$WORK/compile-token.log" "$WORK/token.log" 2>/dev/null | tr -d '|' | tr '\n' ' ' > "$RES/token_error"
  fi
  echo "$(loadavg)" > "$RES/id_load_end"
  date -u '+%Y-%m-%d %H:%M UTC' > "$RES/id_date"
}

