#!/usr/bin/env bash
# make test, last step: the Node.js conformance tests in services/gateway/conformance, run against
# the stack that `make run` starts. The stack is stopped afterwards, also when the tests fail.
#   test/0*.test.js  the protocol cases through the official openai SDK (text, tools, errors, beta, auth, ...)
#   test/fault/      kills the llm worker mid-response and starts a replacement through dev/stack.sh; it
#                    restarts the worker with AVB_LLM_SCRIPTED_DELAY_MS=$AVB_FAULT_DELAY_MS (100) first
# Exit status: that of the test run (non-zero when any case fails).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

SUITE=services/gateway/conformance
MAKE="${MAKE:-make}"

if [[ ! -f $SUITE/package.json ]]; then
  log "conformance: no $SUITE/package.json yet, skipping"
  exit 0
fi

log "conformance: installing $SUITE dependencies"
if [[ -f $SUITE/package-lock.json ]]; then
  (cd "$SUITE" && npm ci --no-audit --no-fund)
else
  log "conformance: warning: no package-lock.json, using npm install"
  (cd "$SUITE" && npm install --no-audit --no-fund)
fi

# Test the code as it is now: a stack left running from before may run older jars.
"$MAKE" --no-print-directory stop
trap '"$MAKE" --no-print-directory stop' EXIT
"$MAKE" --no-print-directory run

export AVB_GATEWAY_URL="https://127.0.0.1:${AVB_GATEWAY_PORT:-8443}"
export NODE_EXTRA_CA_CERTS="$TLS_DIR/ca.pem"
export AVB_API_KEY_FILE="$API_KEY_FILE"
log "conformance: npm test against $AVB_GATEWAY_URL"
rc=0
(cd "$SUITE" && npm test) || rc=$?
if (( rc != 0 )); then
  for name in gateway llm; do
    [[ -f $LOG_DIR/$name.log ]] || continue
    printf -- '--- last 30 lines of .avb/logs/%s.log ---\n' "$name" >&2
    tail -n 30 "$LOG_DIR/$name.log" >&2
  done
  log "conformance: FAILED (npm test exit $rc)"
fi
dev/log-scan.sh || rc=$((rc ? rc : 1)) # no key, token or phrase of the suite in any service log
exit $rc
