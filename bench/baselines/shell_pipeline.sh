#!/usr/bin/env bash
# The shell baseline of row (d): what a user might write instead of dropbolt. Watches a folder with inotifywait and,
# one image at a time: builds the request dropbolt sends for an analyze rule ({"image":"data:image/png;base64,…"}),
# POSTs it (402 with an L402 challenge), pays the invoice through LNbits' REST API, POSTs the same body again with
# `Authorization: L402 <macaroon>:<preimage>`, writes the answer's content to <stem>.txt beside the image and
# records the job in SQLite. No retries, no budget, no crash safety: the lean version.
#
#   shell_pipeline.sh INBOX DATABASE COUNT     environment: PROVIDER, LNBITS, LNBITS_KEY
#
# Prints "done <path>" per job on stdout; exits after COUNT jobs (inotifywait's "Watches established." on stderr
# says it is ready).
set -uo pipefail
inbox=$1 db=$2 count=$3
url="$PROVIDER/api/l402/analyze-image"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sqlite3 "$db" 'CREATE TABLE IF NOT EXISTS jobs (path TEXT, sats INTEGER, payment_hash TEXT, done_at TEXT)'
coproc WATCH { exec inotifywait -m -e close_write -e moved_to --format '%w%f' "$inbox"; }
watcher=$WATCH_PID
n=0
while [ "$n" -lt "$count" ] && read -r path <&"${WATCH[0]}"; do
  case "$path" in *.png | *.jpg | *.jpeg) ;; *) continue ;; esac
  { printf '{"image":"data:image/png;base64,'; base64 -w0 "$path"; printf '"}'; } >"$work/body.json"
  headers=$(curl -sS -o "$work/402.json" -D - -H 'Content-Type: application/json' \
    --data-binary @"$work/body.json" "$url")
  token="" invoice="" sats=0
  [[ $headers =~ macaroon=\"([^\"]+)\" ]] && token=${BASH_REMATCH[1]}
  [[ $headers =~ invoice=\"([^\"]+)\" ]] && invoice=${BASH_REMATCH[1]}
  [[ $(<"$work/402.json") =~ \"price_sats\":[[:space:]]*([0-9]+) ]] && sats=${BASH_REMATCH[1]}
  payment=$(curl -sS -X POST -H "X-Api-Key: $LNBITS_KEY" -H 'Content-Type: application/json' \
    -d "{\"out\":true,\"bolt11\":\"$invoice\"}" "$LNBITS/api/v1/payments" | jq -r '"\(.preimage) \(.payment_hash)"')
  read -r preimage hash <<<"$payment"
  curl -sS -H 'Content-Type: application/json' -H "Authorization: L402 $token:$preimage" \
    --data-binary @"$work/body.json" "$url" | jq -r .content >"${path%.*}.txt"
  sqlite3 "$db" "INSERT INTO jobs VALUES ('${path//\'/\'\'}', $sats, '$hash', datetime('now'))"
  echo "done $path"
  n=$((n + 1))
done
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
exit 0
