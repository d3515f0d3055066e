#!/usr/bin/env bash
# make test, first step: dev/tools.sh on a simulated fresh machine, and how it fails.
#
# dev/tools.sh runs with a PATH of stand-ins (apt-get, apt-cache, dpkg-query, dpkg, id, go, node,
# npm, and the java of a stand-in JAVA_HOME) plus symlinks to basic utilities, nothing else: what
# make tools would install is not there. The stand-ins record their calls, and apt-get "installs"
# into the sandbox's package list, so dpkg-query sees it on the next run. Local state goes to a
# sandbox AVB_DIR, apt's policy-rc.d to the sandbox: the machine itself is not touched.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# The real model: the stand-in npm packs it, so that its sha256 matches the pin.
MODEL="$AVB_DIR/models/silero_vad_v6.onnx"
[[ -f $MODEL ]] || die "tools-test needs $MODEL (the stand-in npm packs it): run 'make tools' first"
OPA_VERSION="$(sed -n 's/^OPA_VERSION="\(.*\)"$/\1/p' dev/tools.sh)"
[[ -n $OPA_VERSION ]] || die "no OPA_VERSION=\"...\" line in dev/tools.sh"
# What each package of the table atop dev/tools.sh is offered at: a later Debian revision than the
# floor, as a point release brings. The plain commands' packages get any version.
OFFERED="redis-server 5:7.0.15-1~deb12u99
redis-tools 5:7.0.15-1~deb12u99
pocketsphinx 0.8+5prealpha+1-16
pocketsphinx-en-us 0.8+5prealpha+1-16
espeak-ng 1.51+dfsg-10+deb12u9
flite 2.2-6
shellcheck 0.9.0-2
maven 3.8.7-1
openssl 3.0.99-1
curl 7.88.1-99"
DEBIAN_PACKAGES=(redis-server redis-tools pocketsphinx pocketsphinx-en-us espeak-ng flite shellcheck maven openssl curl)

SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
BASE="$SANDBOX/base"     # basic utilities, symlinked
STUBS="$SANDBOX/stubs"   # the stand-ins, and the commands apt-get "installs"
mkdir -p "$BASE" "$STUBS" "$SANDBOX/jdk/bin" "$SANDBOX/debian"

for util in bash awk sed grep sort head tail paste cut sha256sum cat tar gzip mktemp cp mv rm mkdir find xargs \
            chmod dirname tr wc touch; do
  ln -s "$(command -v "$util")" "$BASE/$util"
done

stub() {  # stub <path> <<'STUB' ... STUB: an executable bash script that logs its call, then runs the body
  { printf '#!%s\n' "$(command -v bash)"
    cat <<'LOG'
printf '%s\n' "${0##*/} $*" >>"$STUB_STATE/calls"
LOG
    cat
  } >"$1"
  chmod 755 "$1"
}

# dpkg-query -W -f=... <pkg>: what apt-get installed here; like the real one, exit 1 for the unknown.
stub "$STUBS/dpkg-query" <<'STUB'
pkg="${!#}"
v="$(awk -v p="$pkg" '$1 == p {print $2}' "$STUB_STATE/installed")"
[[ -n $v ]] || { echo "dpkg-query: no packages found matching $pkg" >&2; exit 1; }
echo "install ok installed $v"
STUB
# dpkg: --compare-versions only, by the real dpkg (it only compares).
stub "$STUBS/dpkg" <<'STUB'
[[ $1 == --compare-versions ]] || { echo "stand-in dpkg: only --compare-versions" >&2; exit 2; }
exec "$STUB_REAL_DPKG" "$@"
STUB
# apt-cache policy <pkg>: the candidate from STUB_OFFERED.
stub "$STUBS/apt-cache" <<'STUB'
[[ $1 == policy ]] || exit 2
offered="$(awk -v p="$2" '$1 == p {print $2}' <<<"$STUB_OFFERED")"
installed="$(awk -v p="$2" '$1 == p {print $2}' "$STUB_STATE/installed")"
printf '%s:\n  Installed: %s\n  Candidate: %s\n' "$2" "${installed:-(none)}" "${offered:-(none)}"
STUB
# apt-get update | install [options] <pkg>...: records the packages at the offered version and
# "installs" their commands. STUB_FAIL_INSTALL names a package whose install fails, STUB_APT_KEEPS
# one that apt leaves as it is (as it keeps a newer installed version).
stub "$STUBS/apt-get" <<'STUB'
case $1 in update) exit 0 ;; install) shift ;; *) exit 2 ;; esac
[[ -x $AVB_POLICY_RC_D ]] && echo "policy-rc.d in place" >>"$STUB_STATE/calls"
while (( $# )); do
  case $1 in -o) shift 2; continue ;; -*) shift; continue ;; esac
  pkg=$1; shift
  if [[ $pkg == "${STUB_FAIL_INSTALL:-}" ]]; then
    echo "E: Sub-process /usr/bin/dpkg returned an error code (1)" >&2; exit 100
  fi
  v="$(awk -v p="$pkg" '$1 == p {print $2}' <<<"$STUB_OFFERED")"
  [[ -n $v ]] || { echo "E: Unable to locate package $pkg" >&2; exit 100; }
  [[ $pkg != "${STUB_APT_KEEPS:-}" ]] || continue
  sed -i "/^$pkg /d" "$STUB_STATE/installed"
  echo "$pkg $v" >>"$STUB_STATE/installed"
  if [[ -d $STUB_DEBIAN/$pkg ]]; then cp "$STUB_DEBIAN/$pkg"/* "$STUB_STATE/bin/"; fi
done
STUB
stub "$STUBS/id" <<'STUB'
[[ $1 == -u ]] && echo "${STUB_UID:-0}"
STUB
# go env GOVERSION | go install <module>@<version> | go build ... -o <file> .: the builds write a
# stand-in opa that reports the pinned version.
stub "$STUBS/go" <<'STUB'
fake_opa() { printf '#!/bin/sh\necho "Version: %s"\n' "${STUB_OPA_VERSION#v}" >"$1"; chmod 755 "$1"; }
case $1 in
  env) echo "go${STUB_GO_VERSION:-1.26.8}" ;;
  install) fake_opa "$GOBIN/opa" ;;
  build) while [[ $1 != -o ]]; do shift; done; fake_opa "$2" ;;
  *) exit 2 ;;
esac
STUB
stub "$STUBS/node" <<'STUB'
case $1 in -p) echo "${STUB_NODE_MAJOR:-20}" ;; --version) echo "v${STUB_NODE_MAJOR:-20}.0.0" ;; *) exit 2 ;; esac
STUB
# npm pack --silent @ricky0123/vad-web@<version>: a tarball holding STUB_MODEL as the model.
stub "$STUBS/npm" <<'STUB'
case $1 in
  --version) echo 10.0.0 ;;
  pack) mkdir -p package/dist && cp "$STUB_MODEL" package/dist/silero_vad_v6.onnx
        tar -czf "ricky0123-vad-web-${3##*@}.tgz" package && rm -rf package ;;
  *) exit 2 ;;
esac
STUB
stub "$SANDBOX/jdk/bin/java" <<'STUB'
echo "    java.specification.version = ${STUB_JAVA:-25}" >&2
STUB
# What the plain commands' packages put on PATH.
mkdir -p "$SANDBOX/debian/maven" "$SANDBOX/debian/openssl" "$SANDBOX/debian/curl"
stub "$SANDBOX/debian/maven/mvn" <<'STUB'
[[ -z ${STUB_MVN_FAILS:-} ]] || exit 1
echo "Apache Maven 3.8.7"
STUB
stub "$SANDBOX/debian/openssl/openssl" <<'STUB'
echo "OpenSSL 3.0.99 1 Jan 2026"
STUB
stub "$SANDBOX/debian/curl/curl" </dev/null

fresh_machine() {  # nothing installed, no state
  rm -rf "$SANDBOX/state" "$SANDBOX/avb"
  mkdir -p "$SANDBOX/state/bin"
  : >"$SANDBOX/state/installed"
}

# run_tools [VAR=value...]: dev/tools.sh in the sandbox with a clean environment; its output in
# OUT, its exit status in RC. The calls it made: $SANDBOX/state/calls (this run only).
run_tools() {
  : >"$SANDBOX/state/calls"
  RC=0
  OUT="$(env -i PATH="$SANDBOX/state/bin:$STUBS:$BASE" HOME="$SANDBOX" LANG=C.UTF-8 \
    JAVA_HOME="$SANDBOX/jdk" AVB_DIR="$SANDBOX/avb" AVB_POLICY_RC_D="$SANDBOX/policy-rc.d" \
    STUB_STATE="$SANDBOX/state" STUB_DEBIAN="$SANDBOX/debian" STUB_OFFERED="$OFFERED" \
    STUB_MODEL="$MODEL" STUB_OPA_VERSION="$OPA_VERSION" STUB_REAL_DPKG="$(command -v dpkg)" "$@" \
    "$(command -v bash)" "$ROOT/dev/tools.sh" 2>&1)" || RC=$?
}

PASSED=0 FAILED=0 SCENARIO=""
scenario() { SCENARIO="$1"; log "tools-test: $1"; }
ok() {  # ok <what> <command...>: one assertion
  local what="$1"; shift
  if "$@"; then
    PASSED=$(( PASSED + 1 ))
  else
    FAILED=$(( FAILED + 1 ))
    printf 'FAIL: %s: %s\n--- dev/tools.sh output (exit %s) ---\n%s\n--- calls ---\n%s\n---\n' \
      "$SCENARIO" "$what" "$RC" "$OUT" "$(<"$SANDBOX/state/calls")" >&2
  fi
}
said() { grep -qF -- "$1" <<<"$OUT"; }
called() { grep -qxF -- "$1" "$SANDBOX/state/calls"; }
called_like() { grep -qE -- "$1" "$SANDBOX/state/calls"; }
installs() { grep -E '^apt-get install ' "$SANDBOX/state/calls" | awk '{print $NF}'; }

scenario "a fresh machine: every install is attempted, by name, with progress"
fresh_machine
run_tools
ok "exit 0" test "$RC" -eq 0
ok "apt-get update once" test "$(grep -c '^apt-get update' "$SANDBOX/state/calls")" -eq 1
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  ok "installs $pkg" grep -qx -- "$pkg" <(installs)
  ok "announces $pkg" said "installing $pkg"
done
ok "installs by name: a point release above the floor is fine" test -z "$(installs | grep '=' || true)"
ok "policy-rc.d in place during every install" \
  test "$(grep -c '^policy-rc.d in place' "$SANDBOX/state/calls")" -eq "$(grep -c '^apt-get install' "$SANDBOX/state/calls")"
ok "policy-rc.d removed afterwards" test ! -e "$SANDBOX/policy-rc.d"
ok "go install of opa" called "go install github.com/open-policy-agent/opa@$OPA_VERSION"
ok "go build of opa-envoy" called_like '^go build .*-o '"$SANDBOX/avb/bin/opa-envoy"' \.$'
ok "npm pack of the VAD model" called_like '^npm pack .*@ricky0123/vad-web@'
ok "model in the sandbox" cmp -s "$MODEL" "$SANDBOX/avb/models/silero_vad_v6.onnx"
ok "state dirs in the sandbox" test -d "$SANDBOX/avb/run" -a -d "$SANDBOX/avb/tls"
ok "long steps announce themselves" said "installing opa $OPA_VERSION into $SANDBOX/avb/bin (go install: a few minutes"

scenario "the same machine again: nothing to do, no apt, no network"
run_tools
ok "exit 0" test "$RC" -eq 0
ok "says so" said "tools: nothing to do"
ok "no apt-get, go or npm call" test -z "$(grep -E '^(apt-get|go install|go build|npm pack)' "$SANDBOX/state/calls" || true)"

scenario "an install fails: stop there, name the package"
fresh_machine
run_tools STUB_FAIL_INSTALL=flite
ok "exit non-zero" test "$RC" -ne 0
ok "names the package" said "error: apt-get install flite failed (exit 100)"
ok "shows apt's message" said "E: Sub-process /usr/bin/dpkg returned an error code (1)"
ok "installs nothing after it" test -z "$(installs | grep -x shellcheck || true)"
ok "no go build after it" test -z "$(grep -E '^go (install|build)' "$SANDBOX/state/calls" || true)"

scenario "apt offers a version outside the range: name package, range and offer; install nothing"
fresh_machine
OFFERED_BEFORE="$OFFERED"
OFFERED="${OFFERED/redis-server 5:7.0.15-1~deb12u99/redis-server 5:7.2.4-1}"
run_tools
OFFERED="$OFFERED_BEFORE"
ok "exit non-zero" test "$RC" -ne 0
ok "names package, range and offer" said "error: redis-server: need >= 5:7.0.15 and < 5:7.1, apt offers 5:7.2.4-1 (installed: none)"
ok "says where the range is" said "DEBIAN_PACKAGES at the top of dev/tools.sh"
ok "installs nothing" test -z "$(installs)"

scenario "apt offers nothing"
fresh_machine
OFFERED_BEFORE="$OFFERED"
OFFERED="$(grep -v '^shellcheck ' <<<"$OFFERED")"
run_tools
OFFERED="$OFFERED_BEFORE"
ok "exit non-zero" test "$RC" -ne 0
ok "names the package" said "error: apt offers no shellcheck (installed: none)"

scenario "an installed version in range stays; one below the floor is replaced"
fresh_machine
printf '%s\n' "redis-server 5:7.0.15-1~deb12u10" "redis-tools 5:7.0.14-1" >"$SANDBOX/state/installed"
run_tools
ok "exit 0" test "$RC" -eq 0
ok "keeps redis-server" test -z "$(installs | grep -x redis-server || true)"
ok "says redis-tools is below the floor" said "redis-tools: 5:7.0.14-1 is outside >= 5:7.0.15, < 5:7.1"
ok "replaces redis-tools" grep -qx redis-tools <(installs)

scenario "apt-get install leaves a version outside the range: say so, with what to do"
fresh_machine
printf '%s\n' "redis-server 5:7.0.15-1~deb12u10" "redis-tools 5:7.1.2-1" >"$SANDBOX/state/installed"
run_tools STUB_APT_KEEPS=redis-tools
ok "exit non-zero" test "$RC" -ne 0
ok "says so" said "error: after apt-get install redis-tools, dpkg reports 5:7.1.2-1; need >= 5:7.0.15 and < 5:7.1."
ok "says what to do" said "apt-get install redis-tools=<version>"

scenario "not root: say what needs root, install nothing"
fresh_machine
run_tools STUB_UID=1000
ok "exit non-zero" test "$RC" -ne 0
ok "names the packages" said "error: installing redis-server redis-tools pocketsphinx"
ok "says what to do" said "run make tools as root, or install it yourself"
ok "no apt-get call" test -z "$(grep '^apt-get' "$SANDBOX/state/calls" || true)"

scenario "JAVA_HOME below 21"
fresh_machine
run_tools STUB_JAVA=17
ok "exit non-zero" test "$RC" -ne 0
ok "says so" said "error: JAVA_HOME=$SANDBOX/jdk is Java 17; Java 21+ is needed."
ok "says what to do" said "or unset it to use $DEFAULT_JAVA_HOME"

scenario "Go older than dev/opa-envoy/go.mod's go line"
fresh_machine
run_tools STUB_GO_VERSION=1.21.0
GO_MIN="$(awk '$1 == "go" {print $2; exit}' dev/opa-envoy/go.mod)"
ok "exit non-zero" test "$RC" -ne 0
ok "names both versions" said "error: go 1.21.0 found; Go $GO_MIN+ (the go line of dev/opa-envoy/go.mod) is needed"
ok "before installing anything" test -z "$(grep '^apt-get' "$SANDBOX/state/calls" || true)"

scenario "Node.js below 20"
fresh_machine
run_tools STUB_NODE_MAJOR=18
ok "exit non-zero" test "$RC" -ne 0
ok "says so" said "error: node v18.0.0 found; Node.js 20+ is needed"

scenario "a model whose sha256 is not the pinned one is not installed"
fresh_machine
printf 'not the model\n' >"$SANDBOX/tampered.onnx"
MODEL_BEFORE="$MODEL"
MODEL="$SANDBOX/tampered.onnx"
run_tools
MODEL="$MODEL_BEFORE"
ok "exit non-zero" test "$RC" -ne 0
ok "says so" said "silero_vad_v6.onnx sha256 is $(sha256sum "$SANDBOX/tampered.onnx" | cut -d' ' -f1), expected"
ok "not installed" test ! -e "$SANDBOX/avb/models/silero_vad_v6.onnx"

scenario "an unforeseen failure still says what failed and where"
fresh_machine
run_tools STUB_MVN_FAILS=1
ok "exit non-zero" test "$RC" -ne 0
ok "names script, line and command" said "error: dev/tools.sh line $(grep -n '^mvn_version=' dev/tools.sh | cut -d: -f1): 'mvn_version="

printf 'tools-test: %d passed, %d failed\n' "$PASSED" "$FAILED"
(( FAILED == 0 )) || exit 1
