#!/usr/bin/env bash
# make policy-test: format, strict check, tests with a coverage floor, then the policy bundle that
# OPA loads (.avb/policy/policy.tar.gz). Three bundle dirs, each with its own .manifest roots, so
# the result can sit beside the tenants data bundle (root avb/directory) without overlapping it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

OPA="$AVB_DIR/bin/opa"
COVERAGE_MIN=90
DIRS=(policies/envoy policies/session policies/system policies/data)
OUT="$AVB_DIR/policy/policy.tar.gz"

[[ -x $OPA ]] || die "$OPA not found: run 'make tools'"

build_bundle() {
  mkdir -p "$(dirname "$OUT")"
  local revision
  revision="$(git rev-parse --short HEAD 2>/dev/null || echo local)-$(find "${DIRS[@]}" \( -name .manifest -o -name data.json -o -name '*.rego' \) ! -name '*_test.rego' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)"
  "$OPA" build -b "${DIRS[@]}" --ignore '*_test.rego' -r "$revision" -o "$OUT"
  log "policy bundle: ${OUT#"$ROOT/"} (revision $revision)"
}

# `dev/policy.sh build`: the bundle only (make run), without the checks.
if [[ ${1:-} == build ]]; then
  build_bundle
  exit 0
fi

log "opa fmt --fail -l policies"
if ! unformatted="$("$OPA" fmt --fail -l policies)"; then
  die "these files are not opa-fmt formatted (run '$OPA fmt -w policies'):
$unformatted"
fi

log "opa check --strict ${DIRS[*]}"
"$OPA" check --strict "${DIRS[@]}"

log "opa test --coverage --threshold $COVERAGE_MIN"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
rc=0
"$OPA" test --coverage --threshold "$COVERAGE_MIN" "${DIRS[@]}" >"$report" || rc=$?
# The coverage report is JSON; the verdict of each test comes from a second, verbose-free run.
"$OPA" test "${DIRS[@]}"
coverage="$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["coverage"], 2))' "$report" 2>/dev/null || echo '?')"
(( rc == 0 )) || die "opa test failed or coverage ${coverage}% is below ${COVERAGE_MIN}%"
log "coverage: ${coverage}% (floor ${COVERAGE_MIN}%)"

build_bundle
