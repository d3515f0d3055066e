#!/usr/bin/env bash
# make tools: installs and checks what the local stack needs. Idempotent: when everything is
# already there it touches neither apt nor the network.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# --- What is needed, and at which version: every floor is here --------------------------------
# Debian packages. Any version at or above the floor and below the ceiling is accepted: Debian's
# point releases and security updates move the Debian revision (-1~deb12u10 -> -1~deb12u11), not
# the upstream series the code is tested with. A missing package is installed by name when the
# version apt offers (`apt-cache policy <package>`) is in the range; otherwise make tools stops and
# says what apt offers. To move a range, test the new series and change its line here.
#   package              floor (>=)          ceiling (<)   needed by
DEBIAN_PACKAGES=(
  "redis-server          5:7.0.15            5:7.1         the stack's and the tests' Redis"
  "redis-tools           5:7.0.15            5:7.1         redis-cli, the stack's health check"
  "pocketsphinx          0.8+5prealpha+1     0.9           stt: speech recognition"
  "pocketsphinx-en-us    0.8+5prealpha+1     0.9           stt: its English model"
  "espeak-ng             1.51                1.52          tts"
  "flite                 2.2                 2.3           tts, and the tests' speech"
  "shellcheck            0.9.0               0.10          the lint of dev/*.sh and .ci/run"
)
# Commands taken from wherever PATH has them; from Debian (command:package) only when missing.
DEBIAN_COMMANDS=(mvn:maven openssl:openssl curl:curl)

JAVA_MIN=21   # Helidon 4. Not installed here: JAVA_HOME, else Temurin 25 (dev/env.sh).
NODE_MIN=20   # the conformance suite and npm. Not installed here: Debian's nodejs is too old.
# Go builds OPA; not installed here (Debian's golang is too old). Its minimum is the go line of
# dev/opa-envoy/go.mod, which `go mod tidy` keeps at what OPA itself needs.
GO_MIN="$(awk '$1 == "go" {print $2; exit}' dev/opa-envoy/go.mod)"

# OPA from the Go module proxy. To move the pin: `go list -m -versions github.com/open-policy-agent/opa`
# and put the newest v1.x here (and in dev/opa-envoy/go.mod, then `cd dev/opa-envoy && go mod tidy`).
# The upstream Envoy plugin module (github.com/open-policy-agent/opa-envoy-plugin) is refused by the
# Go module proxy we can reach, so dev/opa-envoy builds the same ext_authz gRPC server into this OPA.
OPA_VERSION="v1.22.4"

# Silero VAD v6 (the gateway's VAD) from the npm package @ricky0123/vad-web. To move the pin: npm
# pack the new version, take package/dist/silero_vad_v6.onnx, put its sha256 here.
VAD_WEB_VERSION="0.0.31"
SILERO_SHA256="1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"

BIN_DIR="$AVB_DIR/bin"
MODELS_DIR="$AVB_DIR/models"
SILERO_MODEL="$MODELS_DIR/silero_vad_v6.onnx"
# Where apt's maintainer scripts look for a policy; dev/tools-test.sh points it into its sandbox.
POLICY_RC_D="${AVB_POLICY_RC_D:-/usr/sbin/policy-rc.d}"

did=()        # what this run changed, printed at the end
apt_updated=no

# --- Java, Node.js, Go: checked, never installed --------------------------------------------------
[[ -x $JAVA_HOME/bin/java ]] || die "no JDK at JAVA_HOME=$JAVA_HOME; Java $JAVA_MIN+ is needed.
  Point JAVA_HOME at a JDK $JAVA_MIN+ (without JAVA_HOME, $DEFAULT_JAVA_HOME is used)."
java_major="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 \
  | awk -F' = ' '/java.specification.version/ {print $2}')"
[[ $java_major =~ ^[0-9]+$ ]] || die "$JAVA_HOME/bin/java does not say its version: is JAVA_HOME a JDK?"
(( java_major >= JAVA_MIN )) || die "JAVA_HOME=$JAVA_HOME is Java $java_major; Java $JAVA_MIN+ is needed.
  Point JAVA_HOME at a JDK $JAVA_MIN+, or unset it to use $DEFAULT_JAVA_HOME."
log "java: $java_major at $JAVA_HOME"

command -v node >/dev/null || die "node not found: Node.js $NODE_MIN+ is needed (Debian's nodejs is too old)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= NODE_MIN )) || die "node $(node --version) found; Node.js $NODE_MIN+ is needed"
command -v npm >/dev/null || die "npm not found (it comes with Node.js)"
log "node: $(node --version), npm $(npm --version)"

# Go only when OPA is to be built: checked here, before anything is installed.
opa_version() { if [[ -x $1 ]]; then "$1" version 2>/dev/null | awk '/^Version:/ {print "v"$2}'; fi; }
opa_current() { [[ "$(opa_version "$BIN_DIR/opa")" == "$OPA_VERSION" ]]; }
# The opa-envoy build is current when its sources hash to what the last build recorded; its tests
# are not part of the binary, so a test-only change does not rebuild it.
opa_envoy_stamp() {
  find dev/opa-envoy -maxdepth 1 \( -name go.mod -o -name go.sum -o -name '*.go' \) ! -name '*_test.go' -print0 \
    | sort -z | xargs -0 cat | sha256sum | cut -c1-16
}
opa_envoy_current() {
  [[ "$(opa_version "$BIN_DIR/opa-envoy")" == "$OPA_VERSION" && -f $BIN_DIR/opa-envoy.stamp \
     && "$(<"$BIN_DIR/opa-envoy.stamp")" == "$(opa_envoy_stamp)" ]]
}
if ! opa_current || ! opa_envoy_current; then
  [[ -n $GO_MIN ]] || die "dev/opa-envoy/go.mod has no go line: it states the Go version OPA needs"
  command -v go >/dev/null || die "go not found: Go $GO_MIN+ (the go line of dev/opa-envoy/go.mod) is needed to build OPA.
  Debian's golang is too old: install Go $GO_MIN+ and put its bin directory on PATH."
  go_version="$(go env GOVERSION)"; go_version="${go_version#go}"
  [[ "$(printf '%s\n%s\n' "$GO_MIN" "$go_version" | sort -V | head -1)" == "$GO_MIN" ]] \
    || die "go $go_version found; Go $GO_MIN+ (the go line of dev/opa-envoy/go.mod) is needed to build OPA"
  log "go: $go_version (builds OPA)"
fi

# --- Debian packages (version ranges above) ------------------------------------------------------
if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  die "make tools installs with apt (Debian, Ubuntu) and finds no dpkg-query or apt-get here.
  Install these yourself: ${DEBIAN_PACKAGES[*]%% *}"
fi

# The installed version, empty when the package is not installed (dpkg-query exits 1 for a
# package it has never heard of: that is "not installed" too).
installed_version() { { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; } | awk '$3 == "installed" {print $4}'; }
# What `apt-get install <package>` would install; empty when apt offers none.
candidate_version() { { apt-cache policy "$1" 2>/dev/null || true; } | awk '$1 == "Candidate:" && $2 != "(none)" {print $2}'; }
in_range() { dpkg --compare-versions "$1" ge "$2" && dpkg --compare-versions "$1" lt "$3"; }

apt_update_once() {
  if [[ $apt_updated == no ]]; then
    log "apt-get update (refreshing the package lists)"
    apt-get update -qq || die "apt-get update failed (see its message above): check the network and /etc/apt/sources.list*"
    apt_updated=yes
  fi
}

apt_install() {  # apt_install <package>
  local own_policy=no rc=0
  # Keep the packages' init scripts from starting system-wide daemons (Redis on 6379);
  # the stack runs its own Redis.
  if [[ ! -e $POLICY_RC_D ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC_D"; chmod 755 "$POLICY_RC_D"; own_policy=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold "$1" || rc=$?
  if [[ $own_policy == yes ]]; then rm -f "$POLICY_RC_D"; fi
  return $rc
}

need_root() {
  [[ $(id -u) == 0 ]] || die "installing $1 needs root (apt-get): run make tools as root, or install it yourself"
}

declare -A FLOOR CEILING
missing=()
for row in "${DEBIAN_PACKAGES[@]}"; do
  read -r pkg floor ceiling _ <<<"$row"
  FLOOR[$pkg]=$floor CEILING[$pkg]=$ceiling
  have="$(installed_version "$pkg")"
  if [[ -n $have ]] && in_range "$have" "$floor" "$ceiling"; then
    log "$pkg: $have"
  else
    [[ -z $have ]] || log "$pkg: $have is outside >= $floor, < $ceiling"
    missing+=("$pkg")
  fi
done
for pair in "${DEBIAN_COMMANDS[@]}"; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if command -v "$cmd" >/dev/null; then
    log "$cmd: $(command -v "$cmd")"
  else
    missing+=("$pkg")
  fi
done

if (( ${#missing[@]} )); then
  need_root "${missing[*]}"
  apt_update_once
  # Every candidate is checked before anything is installed: a range apt cannot meet stops the
  # run before it changes the machine.
  for pkg in "${missing[@]}"; do
    offered="$(candidate_version "$pkg")"
    [[ -n $offered ]] || die "apt offers no $pkg (installed: $(installed_version "$pkg" | grep . || echo none)).
  Is Debian's main archive in /etc/apt/sources.list*? 'apt-cache policy $pkg' shows what apt knows."
    if [[ -n ${FLOOR[$pkg]:-} ]] && ! in_range "$offered" "${FLOOR[$pkg]}" "${CEILING[$pkg]}"; then
      die "$pkg: need >= ${FLOOR[$pkg]} and < ${CEILING[$pkg]}, apt offers $offered (installed: $(installed_version "$pkg" | grep . || echo none)).
  If $offered works, move the range of $pkg in DEBIAN_PACKAGES at the top of dev/tools.sh."
    fi
  done
  n=0
  for pkg in "${missing[@]}"; do
    n=$(( n + 1 ))
    have="$(installed_version "$pkg")"
    if [[ -n $have && -n ${FLOOR[$pkg]:-} ]] && in_range "$have" "${FLOOR[$pkg]}" "${CEILING[$pkg]}"; then
      continue   # came with an earlier one (redis-tools with redis-server)
    fi
    log "installing $pkg $(candidate_version "$pkg") ($n of ${#missing[@]}, apt-get install; was: ${have:-none})"
    rc=0
    apt_install "$pkg" || rc=$?
    (( rc == 0 )) || die "apt-get install $pkg failed (exit $rc); apt's message is above.
  Nothing after it was installed: fix the cause and run make tools again."
    have="$(installed_version "$pkg")"
    if [[ -n ${FLOOR[$pkg]:-} ]] && ! { [[ -n $have ]] && in_range "$have" "${FLOOR[$pkg]}" "${CEILING[$pkg]}"; }; then
      die "after apt-get install $pkg, dpkg reports ${have:-no version}; need >= ${FLOOR[$pkg]} and < ${CEILING[$pkg]}.
  Install one in that range yourself: apt-get install $pkg=<version> (see 'apt-cache policy $pkg')."
    fi
    did+=("installed $pkg${have:+ $have}")
  done
fi

mvn_version="$(mvn -B -v 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk 'NR==1 {print $3}')"
log "mvn: ${mvn_version:-?} (runs on JAVA_HOME)"
log "openssl: $(openssl version | awk '{print $2}')"

# --- OPA and OPA with the Envoy ext_authz server (pinned, built with Go) ------------------------
mkdir -p "$BIN_DIR"
if opa_current; then
  log "opa $OPA_VERSION: $BIN_DIR/opa"
else
  log "installing opa $OPA_VERSION into $BIN_DIR (go install: a few minutes the first time)"
  GOBIN="$BIN_DIR" GOFLAGS=-buildvcs=false go install "github.com/open-policy-agent/opa@$OPA_VERSION" \
    || die "go install github.com/open-policy-agent/opa@$OPA_VERSION failed; go's message is above"
  did+=("installed opa $OPA_VERSION")
fi
if opa_envoy_current; then
  log "opa-envoy (OPA $OPA_VERSION + ext_authz gRPC): $BIN_DIR/opa-envoy"
else
  grep -q "github.com/open-policy-agent/opa $OPA_VERSION" dev/opa-envoy/go.mod \
    || die "dev/opa-envoy/go.mod does not require opa $OPA_VERSION: update it with the pin"
  log "building opa-envoy into $BIN_DIR (OPA $OPA_VERSION with the Envoy ext_authz gRPC server: a few minutes the first time)"
  (cd dev/opa-envoy && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN_DIR/opa-envoy" .) \
    || die "go build of dev/opa-envoy failed; go's message is above"
  opa_envoy_stamp >"$BIN_DIR/opa-envoy.stamp"
  did+=("built opa-envoy")
fi

# --- Silero VAD model (sha256-checked) ---------------------------------------------------------
sha_of() { sha256sum "$1" | awk '{print $1}'; }
if [[ -f $SILERO_MODEL && "$(sha_of "$SILERO_MODEL")" == "$SILERO_SHA256" ]]; then
  log "silero vad: $SILERO_MODEL"
else
  log "fetching silero_vad_v6.onnx from @ricky0123/vad-web@$VAD_WEB_VERSION (npm pack)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "@ricky0123/vad-web@$VAD_WEB_VERSION" >/dev/null) \
    || die "npm pack @ricky0123/vad-web@$VAD_WEB_VERSION failed; npm's message is above"
  tar -xzf "$work"/ricky0123-vad-web-"$VAD_WEB_VERSION".tgz -C "$work" package/dist/silero_vad_v6.onnx \
    || die "@ricky0123/vad-web@$VAD_WEB_VERSION has no dist/silero_vad_v6.onnx"
  got="$(sha_of "$work/package/dist/silero_vad_v6.onnx")"
  [[ $got == "$SILERO_SHA256" ]] || die "silero_vad_v6.onnx sha256 is $got, expected $SILERO_SHA256 (not installed)"
  mkdir -p "$MODELS_DIR"
  cp "$work/package/dist/silero_vad_v6.onnx" "$SILERO_MODEL.part" && mv "$SILERO_MODEL.part" "$SILERO_MODEL"
  rm -rf "$work"
  trap - EXIT
  did+=("fetched silero vad model")
fi

# --- Local state ------------------------------------------------------------------------------
if [[ ! -d $RUN_DIR || ! -d $LOG_DIR || ! -d $TMP_DIR || ! -d $REDIS_DIR || ! -d $TLS_DIR ]]; then
  did+=("created the state dirs in $AVB_DIR")
fi
make_state_dirs

if (( ${#did[@]} )); then
  log "tools: done:"
  printf '  %s\n' "${did[@]}"
else
  log "tools: nothing to do, everything is in place"
fi
