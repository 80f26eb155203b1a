#!/usr/bin/env bash
# `make serve`: the portal with login. Unless AU_OIDC_ISSUER names a real provider, starts the
# local DEMO OpenID provider (tools/oidc-provider, demo people of data/demo/people.json),
# grants the demo people their roles, and serves; stopping the portal stops the provider.
# Unless AU_SMTP_URL names a real mail server, starts MailDev (npm `maildev`): the emails the
# portal sends are read at http://127.0.0.1:1080 (MAIL_WEB_PORT), SMTP on 1025 (MAIL_SMTP_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1 DB=$2 LISTEN=$3
OIDC_PORT=${OIDC_PORT:-8081}
base="http://$LISTEN"
provider_pid=""
maildev_pid=""
cleanup() {
  [ -n "$provider_pid" ] && kill "$provider_pid" 2>/dev/null
  [ -n "$maildev_pid" ] && kill "$maildev_pid" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -z "${AU_OIDC_ISSUER:-}" ]; then
  out=$(mktemp)
  node tools/oidc-provider/provider.mjs --demo --port "$OIDC_PORT" \
    --redirect-uri "$base/auth/callback" --post-logout-redirect-uri "$base/" >"$out" &
  provider_pid=$!
  for _ in $(seq 1 100); do
    grep -q '"issuer"' "$out" && break
    kill -0 "$provider_pid" 2>/dev/null || { echo "il provider dimostrativo non è partito (porta $OIDC_PORT occupata?)"; exit 1; }
    sleep 0.1
  done
  export AU_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT"
  export AU_OIDC_CLIENT_ID=accesso-unico AU_OIDC_CLIENT_SECRET=accesso-unico-demo-secret AU_OIDC_DEMO=1
  rm -f "$out"
  "$BIN" --database "sqlite:$DB" roles import data/demo/people.json
  echo "provider di identità DIMOSTRATIVO su $AU_OIDC_ISSUER: accedi da $base/accedi"
fi
if [ -z "${AU_SMTP_URL:-}" ]; then
  MAIL_WEB_PORT=${MAIL_WEB_PORT:-1080} MAIL_SMTP_PORT=${MAIL_SMTP_PORT:-1025}
  node_modules/.bin/maildev --ip 127.0.0.1 --smtp "$MAIL_SMTP_PORT" --web "$MAIL_WEB_PORT" --silent &
  maildev_pid=$!
  export AU_SMTP_URL="smtp://127.0.0.1:$MAIL_SMTP_PORT"
  echo "posta in uscita DIMOSTRATIVA: leggi le email inviate su http://127.0.0.1:$MAIL_WEB_PORT"
fi
# The demo people's contacts (their email addresses), as a regional registry would provide them.
"$BIN" --database "sqlite:$DB" contacts import data/demo/people.json >/dev/null
# The demo back office of the Comune di Perugia (VBG-like state codes): its key pair lives in
# var/backoffice (made once), its public key and state table are registered at every start.
keys=$(node tools/backoffice-simulator/simulator.mjs init --dir var/backoffice --client demo-vbg-perugia)
"$BIN" --database "sqlite:$DB" backoffice register --client-id demo-vbg-perugia --ente comune-054039 \
  --system VBG --name "SUAPE Perugia (VBG, dimostrativo)" --keys "$keys" \
  --mapping data/demo/backoffice/vbg-perugia-stati.json
"$BIN" --database "sqlite:$DB" --listen "$LISTEN" serve &
server_pid=$!
# Once per database: the simulator pushes three practices of the demo citizen (Maria Rossi): one
# concluded after its whole life cycle, one whose request for documents is overdue, and a recent
# one whose documents are due in 5 days (a reminder within a minute, an event in her calendar).
if [ ! -f "$DB.pratiche-demo" ]; then
  for _ in $(seq 1 100); do
    node -e "fetch('$base/status').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
    sleep 0.2
  done
  sim() { node tools/backoffice-simulator/simulator.mjs lifecycle --base "$base" --client demo-vbg-perugia \
            --key var/backoffice/demo-vbg-perugia.key.json --applicant RSSMRA85C52G478I "$@"; }
  if sim --reference VBG-DEMO-0001 && sim --reference VBG-DEMO-0002 --steps 2 &&
     sim --reference VBG-DEMO-0003 --steps 2 --shift-days 34 --due-days 6; then
    touch "$DB.pratiche-demo"
    echo "pratiche dimostrative inviate dal back office simulato: accedi come Maria Rossi e apri $base/area-personale/pratiche"
    echo "i suoi messaggi: $base/area-personale/messaggi; le email: ${MAIL_WEB_PORT:+http://127.0.0.1:$MAIL_WEB_PORT}"
  fi
fi
trap 'kill -TERM $server_pid 2>/dev/null; cleanup' INT TERM
wait $server_pid
