#!/usr/bin/env bash
# After the conformance suite: no service log may hold a secret or what a user typed or said.
#   dev/log-scan.sh [log dir (.avb/logs)] [key dir (.avb)]
# Searches every <log dir>/*.log for
#   - the API keys the suite used (<key dir>/*-api-key: the dev and admin keys),
#   - any JWT-shaped string (API keys and client secrets are JWTs) and any ek_ client secret,
#   - the phrases the suite types and speaks (services/gateway/conformance/fixtures/phrases.json,
#     case-insensitively: a recogniser's transcript comes back in lower case).
# Reports file, line number and what was found, never the text itself (the report goes to CI logs).
# Exit status: 0 when clean, 1 when anything was found or there was no log to scan.
set -euo pipefail
# shellcheck source=dev/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

SCAN_LOG_DIR="${1:-$LOG_DIR}"
KEY_DIR="${2:-$AVB_DIR}"
PHRASES="$ROOT/services/gateway/conformance/fixtures/phrases.json"
JWT='eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+'
CLIENT_SECRET='\bek_[A-Za-z0-9_.-]{16,}'

shopt -s nullglob
logs=("$SCAN_LOG_DIR"/*.log)
if (( ${#logs[@]} == 0 )); then
  log "log-scan: no logs in $SCAN_LOG_DIR: nothing was checked"
  exit 1
fi

found=0
# report <what> <grep options...>: one line per log line that matches, without the match. The
# patterns come through files so that no secret shows up in a process list.
report() {
  local what="$1"; shift
  local file line
  for file in "${logs[@]}"; do
    while IFS=: read -r line _; do
      log "log-scan: ${file#"$ROOT/"}:$line: $what"
      found=1
    done < <(grep -n "$@" -- "$file" || true)
  done
}

for key_file in "$KEY_DIR"/*-api-key; do
  [[ -s $key_file ]] || continue
  report "the API key of ${key_file#"$ROOT/"}" -F -f <(sed '/^[[:space:]]*$/d' "$key_file")
done
report "a JWT-shaped string" -E -e "$JWT"
report "an ek_ client secret" -E -e "$CLIENT_SECRET"
while IFS=$'\t' read -r name phrase; do
  [[ -n $phrase ]] || continue
  report "the conformance phrase '$name'" -F -i -f <(printf '%s\n' "$phrase")
done < <(jq -r 'to_entries[] | .key as $group | .value | to_entries[] | "\($group).\(.key)\t\(.value)"' "$PHRASES")

if (( found )); then
  log "log-scan: FAILED: secrets or user content in the logs above (the text is not repeated here)"
  exit 1
fi
log "log-scan: ${#logs[@]} logs hold no key, token, client secret or conformance phrase"
