#!/usr/bin/env bash
# make lint: the static checks, each under its own header. Every check runs even when an earlier one
# failed, so one run shows every problem; the summary names each failed check and how to fix it.
#   1. formatting (Spotless, palantir-java-format)
#   2. Error Prone and dependency analysis (mvn -Plint: one compile into target/lint, no tests).
#      Error Prone's errors fail it, its warnings do not; a module compiles again only when it
#      changed, so to list every warning: mvn -B -Plint -DskipTests clean process-test-classes
#   3. shellcheck on dev/*.sh and .ci/run
#   4. gofmt, go vet and go test for dev/opa-envoy
#   5. the policies: opa fmt, opa check --strict, opa test with its coverage floor (dev/policy.sh)
set -euo pipefail
# shellcheck source=dev/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

MVN="${MVN:-mvn}"
# Maven's own Guava warns about sun.misc.Unsafe on JDK 24+; that is Maven's, not ours.
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  PATH="/usr/local/go/bin:$PATH"
fi
GO_MODULE=dev/opa-envoy
SHELL_SCRIPTS=(dev/*.sh .ci/run)

missing=()
for tool in "$MVN" shellcheck go gofmt; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -x $JAVA_HOME/bin/javac ]] || missing+=("JDK at $JAVA_HOME")
[[ -x $AVB_DIR/bin/opa ]] || missing+=("$AVB_DIR/bin/opa")
(( ${#missing[@]} == 0 )) || die "lint needs ${missing[*]}: run 'make tools'"

failed=()
started=$SECONDS

# check NAME HOW-TO-FIX COMMAND...: runs one check under a header; a failure is recorded, not fatal.
check() {
  local name=$1 fix=$2 t0=$SECONDS
  shift 2
  log "== lint: $name"
  if "$@"; then
    log "   ok ($((SECONDS - t0)) s)"
  else
    log "   FAILED: $name. $fix"
    failed+=("$name: $fix")
  fi
}

gofmt_clean() {
  local unformatted
  unformatted="$(gofmt -l "$GO_MODULE")"
  [[ -z $unformatted ]] || { printf '%s\n' "$unformatted"; return 1; }
}

go_vet_and_test() { (cd "$GO_MODULE" && go vet ./... && go test ./...); }

check "formatting (mvn spotless:check)" \
  "Run 'mvn spotless:apply' to format the Java sources." \
  "$MVN" -B -q spotless:check
check "Error Prone and dependency analysis (mvn -Plint)" \
  "Fix the Error Prone errors above; for dependencies, declare what the code uses and drop what it does not (scope runtime for what only ServiceLoader loads)." \
  "$MVN" -B -q -Plint -DskipTests process-test-classes
check "shellcheck ${SHELL_SCRIPTS[*]}" \
  "Fix the warnings above (shellcheck's wiki explains each SC code)." \
  shellcheck "${SHELL_SCRIPTS[@]}"
check "gofmt $GO_MODULE" \
  "Run 'gofmt -w $GO_MODULE'." \
  gofmt_clean
check "go vet and go test in $GO_MODULE" \
  "Fix the findings or failing tests above (cd $GO_MODULE && go vet ./... && go test ./...)." \
  go_vet_and_test
check "policies (dev/policy.sh)" \
  "See dev/policy.sh's message above ('make policy-test' runs it alone)." \
  dev/policy.sh

if (( ${#failed[@]} > 0 )); then
  printf 'lint failed (%d s):\n' "$((SECONDS - started))" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
log "lint: all checks passed ($((SECONDS - started)) s)"
