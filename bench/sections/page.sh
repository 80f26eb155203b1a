# Sourced by bench/run.sh (shares its variables and helpers): one benchmark section.
# ------------------------------------------------------------------------------------------------
# 1. Cached service page: accesso-unico vs nginx serving the same HTML file.
page_bench() {
  local share=$ROOT share_note="" port pid url
  port=$(free_port)
  url="http://127.0.0.1:$port"
  start_serve() {
    AU_SEARCH_INDEX=$IDX AU_SHARE_DIR=$share AU_ASSETS_DIR=$ROOT/node_modules AU_THREADS=2 \
      "$BIN" --database "sqlite:$DB" --listen "127.0.0.1:$port" serve > "$WORK/serve.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
  }
  log "avvio di accesso-unico serve su :$port"
  local t0 t1
  t0=$(date +%s.%N)
  start_serve
  if ! wait_http "$url/status" "$pid" 600; then
    if grep -q "riferimento a un asset sconosciuto" "$WORK/serve.log"; then
      # Seen on 2026-11-27 (fixed since): a CSS comment that mentions "asset:NAME" was taken for
      # an asset reference and `serve` refused to start. Should it come back, measure anyway with
      # copies of the stylesheets without comments, and say so in the results.
      share_note=$(grep -o 'riferimento a un asset sconosciuto[^"]*' "$WORK/serve.log" | head -1)
      log "serve non parte ($share_note): uso una copia di static/css senza commenti"
      stop_pid "$pid"
      share=$WORK/share
      mkdir -p "$share/static"
      for d in templates migrations docs; do ln -s "$ROOT/$d" "$share/$d"; done
      for d in "$ROOT"/static/*; do [ "$(basename "$d")" = css ] || ln -s "$d" "$share/static/"; done
      mkdir -p "$share/static/css"
      for f in "$ROOT"/static/css/*; do
        python3 -c 'import re,sys; sys.stdout.write(re.sub(r"/\*.*?\*/", "", open(sys.argv[1]).read(), flags=re.S))' \
          "$f" > "$share/static/css/$(basename "$f")"
      done
      t0=$(date +%s.%N)
      start_serve
      wait_http "$url/status" "$pid" 600 || { echo "serve non risponde" >&2; return 1; }
    else
      echo "serve non risponde" >&2
      return 1
    fi
  fi
  t1=$(date +%s.%N)
  printf '%s' "$share_note" > "$RES/share_note"
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}' > "$RES/serve_ready_s"
  sleep 2
  rss_mb "$pid" > "$RES/rss_idle"
  # Diagnostic: how much of that is heap already freed but kept by glibc's malloc?
  if command -v gdb > /dev/null 2>&1; then
    if timeout 120 gdb -p "$pid" -batch -ex 'call (int) malloc_trim(0)' > "$WORK/gdb.log" 2>&1 &&
       grep -q '^\$1 = ' "$WORK/gdb.log"; then
      sleep 1
      rss_mb "$pid" > "$RES/rss_idle_trimmed"
    else
      grep -v '^\[' "$WORK/gdb.log" | tail -n 1 | tr -d '|' > "$RES/gdb_error"
    fi
  fi

  # The page, warmed (rendered and cached), saved byte for byte for nginx.
  local www=$WORK/www file
  file=$www$PAGE
  mkdir -p "$(dirname "$file")"
  curl -sf -o /dev/null "$url$PAGE"
  curl -sf -D "$WORK/au_headers.txt" -o "$file" "$url$PAGE"
  gzip -6 -n -k "$file"
  curl -sf -H 'Accept-Encoding: gzip' -D "$WORK/au_headers_gz.txt" -o "$WORK/au_page.gz" "$url$PAGE"
  grep -qi '^Content-Encoding: gzip' "$WORK/au_headers_gz.txt" || { echo "accesso-unico non comprime la pagina" >&2; return 1; }
  wc -c < "$file" | tr -d ' ' > "$RES/page_bytes"
  wc -c < "$WORK/au_page.gz" | tr -d ' ' > "$RES/page_gz_bytes_au"
  wc -c < "$file.gz" | tr -d ' ' > "$RES/page_gz_bytes_nginx"
  chmod -R a+rX "$www"

  # nginx: private config, same response headers as accesso-unico (security headers, caching).
  local nport ngx=$WORK/nginx headers nurl npid
  nport=$(free_port)
  nurl="http://127.0.0.1:$nport"
  mkdir -p "$ngx/tmp" "$ngx/logs"
  headers=$(tr -d '\r' < "$WORK/au_headers.txt" | awk -F': ' 'NR > 1 && NF >= 2 {
      name = $1; lname = tolower(name)
      if (lname ~ /^(date|content-length|content-type|content-encoding|vary|etag|connection|keep-alive|server)$/) next
      value = substr($0, length(name) + 3); gsub(/"/, "\\\"", value)
      printf "      add_header %s \"%s\" always;\n", name, value }')
  cat > "$ngx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  types { }
  default_type "text/html; charset=utf-8";
  gzip_static on;
  gzip_vary on;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  server {
    listen 127.0.0.1:$nport;
    root $www;
    location / {
$headers
    }
  }
}
EOF
  [ "$(id -u)" = 0 ] && sed -i '1i user nobody nogroup;' "$ngx/nginx.conf"
  nginx -t -q -e "$ngx/logs/error.log" -c "$ngx/nginx.conf" -p "$ngx" 2> "$WORK/nginx.log"
  nginx -e "$ngx/logs/error.log" -c "$ngx/nginx.conf" -p "$ngx" >> "$WORK/nginx.log" 2>&1 &
  npid=$!
  PIDS+=("$npid")
  wait_http "$nurl$PAGE" "$npid" 30 || { echo "nginx non risponde" >&2; return 1; }
  local workers
  workers=$(pgrep -P "$npid" | tr '\n' ' ')

  # Same bytes from both (identity and gzip).
  curl -sf -o "$WORK/ng_page.html" "$nurl$PAGE"
  cmp -s "$file" "$WORK/ng_page.html" || { echo "nginx serve un'altra pagina" >&2; return 1; }
  curl -sf -D "$WORK/ng_headers_gz.txt" -H 'Accept-Encoding: gzip' -o "$WORK/ng_page.gz" "$nurl$PAGE"
  grep -qi '^Content-Encoding: gzip' "$WORK/ng_headers_gz.txt" || { echo "nginx non usa gzip_static" >&2; return 1; }
  for f in au_page.gz ng_page.gz; do
    gzip -dc "$WORK/$f" | cmp -s - "$file" || { echo "$f non decomprime nella pagina" >&2; return 1; }
  done
  curl -s -o /dev/null -w '%{size_header}' "$url$PAGE" > "$RES/hdr_bytes_au"
  curl -s -o /dev/null -w '%{size_header}' "$nurl$PAGE" > "$RES/hdr_bytes_nginx"

  # wrk runs, alternating order: round 1 au first, round 2 nginx first, round 3 au first.
  run_wrk() {  # NAME URL ENC ROUND PIDS...
    local name=$1 target=$2 enc=$3 round=$4; shift 4
    local hdr=() out c0 c1
    [ "$enc" = gzip ] && hdr=(-H 'Accept-Encoding: gzip')
    wrk -t2 -c"$WRK_CONN" -d"${WARMUP_SECONDS}s" "${hdr[@]}" "$target" > /dev/null
    c0=$(cpu_ticks "$@")
    out=$(wrk -t2 -c"$WRK_CONN" -d"${WRK_SECONDS}s" --latency "${hdr[@]}" "$target")
    c1=$(cpu_ticks "$@")
    echo "$out" > "$WORK/wrk_${name}_${enc}_${round}.txt"
    local rps p50 p99 reqs errors non2xx us
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    errors=$(awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    us=$(awk -v c=$((c1 - c0)) -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c / hz * 1e6 / n}')
    echo "$enc $round $name $rps $p50 $p99 $us ${errors:-0} ${non2xx:-0}" >> "$RES/page_runs"
  }
  local enc round
  for enc in identity gzip; do
    for round in $(seq 1 "$ROUNDS"); do
      log "pagina ($enc), giro $round; carico $(loadavg)"
      if [ $((round % 2)) = 1 ]; then
        run_wrk accesso-unico "$url$PAGE" "$enc" "$round" "$pid"
        run_wrk nginx "$nurl$PAGE" "$enc" "$round" "$npid" $workers
      else
        run_wrk nginx "$nurl$PAGE" "$enc" "$round" "$npid" $workers
        run_wrk accesso-unico "$url$PAGE" "$enc" "$round" "$pid"
      fi
    done
  done
  rss_mb "$pid" > "$RES/rss_after_load"
  hwm_mb "$pid" > "$RES/hwm_after_load"
  local nrss=0 w
  for w in $workers; do nrss=$(awk -v a="$nrss" -v b="$(rss_mb "$w")" 'BEGIN {print a + b}'); done
  echo "$nrss" > "$RES/nginx_workers_rss"
  echo "$(rss_mb "$npid")" > "$RES/nginx_master_rss"
  stop_pid "$npid" QUIT
  stop_pid "$pid" TERM
}

