#!/usr/bin/env bash
# make tools: installs (pinned) and checks what the local stack needs. Idempotent: when everything
# is already there it touches neither apt nor the network.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# Redis from Debian. To move the pin: `apt-get update && apt-cache policy redis-server`, then put
# the version it offers here (redis-tools is installed at the same version).
REDIS_VERSION="5:7.0.15-1~deb12u10"

NODE_MIN_MAJOR=20

# Speech engines from Debian, pinned like Redis (`apt-cache policy <pkg>` to move a pin):
# pocketsphinx (stt), espeak-ng and flite (tts; flite also makes the test speech).
SPEECH_PACKAGES=(
  "pocketsphinx=0.8+5prealpha+1-15"
  "pocketsphinx-en-us=0.8+5prealpha+1-15"
  "espeak-ng=1.51+dfsg-10+deb12u2"
  "flite=2.2-5"
)

# Silero VAD v6 (the gateway's VAD) from the npm package @ricky0123/vad-web. To move the pin: npm
# pack the new version, take package/dist/silero_vad_v6.onnx, put its sha256 here.
VAD_WEB_VERSION="0.0.31"
SILERO_SHA256="1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"
MODELS_DIR="$AVB_DIR/models"
SILERO_MODEL="$MODELS_DIR/silero_vad_v6.onnx"

# OPA from the Go module proxy. To move the pin: `go list -m -versions github.com/open-policy-agent/opa`
# and put the newest v1.x here (and in dev/opa-envoy/go.mod, then `cd dev/opa-envoy && go mod tidy`).
# The upstream Envoy plugin module (github.com/open-policy-agent/opa-envoy-plugin) is refused by the
# Go module proxy we can reach, so dev/opa-envoy builds the same ext_authz gRPC server into this OPA.
OPA_VERSION="v1.22.4"
GO_MIN="1.24"
BIN_DIR="$ROOT/.avb/bin"

did=()        # what this run changed, printed at the end
apt_updated=no

installed_version() { { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; } | awk '$3 == "installed" {print $4}'; }

apt_update_once() {
  if [[ $apt_updated == no ]]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=yes
  fi
}

apt_install() {  # apt_install pkg[=version]...
  local policy=/usr/sbin/policy-rc.d own_policy=no
  # Keep the packages' init scripts from starting system-wide daemons (Redis on 6379);
  # the stack runs its own Redis.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; own_policy=yes
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold "$@" || rc=$?
  [[ $own_policy == yes ]] && rm -f "$policy"
  return $rc
}

need_root() {
  [[ $(id -u) == 0 ]] || die "installing $1 needs root (apt-get); run as root or install it yourself"
}

# --- Redis (pinned) ---------------------------------------------------------------------------
have="$(installed_version redis-server)"
if [[ $have == "$REDIS_VERSION" && "$(installed_version redis-tools)" == "$REDIS_VERSION" ]]; then
  log "redis-server $REDIS_VERSION: already installed"
else
  need_root redis-server
  apt_update_once
  offered="$(apt-cache madison redis-server | awk '{print $3}')"
  if ! grep -qxF -- "$REDIS_VERSION" <<<"$offered"; then
    die "redis-server $REDIS_VERSION is no longer offered by apt (installed: ${have:-none}).
  Offered now: $(paste -sd' ' <<<"$offered")
  Update the pin: set REDIS_VERSION in dev/tools.sh to one of those (see 'apt-cache policy redis-server')."
  fi
  log "installing redis-server=$REDIS_VERSION (was: ${have:-none})"
  apt_install "redis-server=$REDIS_VERSION" "redis-tools=$REDIS_VERSION"
  did+=("installed redis-server $REDIS_VERSION")
fi

# --- OPA and OPA with the Envoy ext_authz server (pinned, built with Go) ------------------------
opa_version() { [[ -x $1 ]] && "$1" version 2>/dev/null | awk '/^Version:/ {print "v"$2}'; }
# The opa-envoy build is current when its sources hash to what the last build recorded.
opa_envoy_stamp() { cat dev/opa-envoy/go.mod dev/opa-envoy/go.sum dev/opa-envoy/*.go | sha256sum | cut -c1-16; }
need_go() {
  command -v go >/dev/null || die "go not found: Go $GO_MIN+ is needed to install OPA (Debian's golang is too old)"
  local v; v="$(go env GOVERSION | sed 's/^go//')"
  [[ "$(printf '%s\n%s\n' "$GO_MIN" "$v" | sort -V | head -1)" == "$GO_MIN" ]] || die "go $v found; Go $GO_MIN+ is needed"
}
mkdir -p "$BIN_DIR"
if [[ "$(opa_version "$BIN_DIR/opa")" == "$OPA_VERSION" ]]; then
  log "opa $OPA_VERSION: already installed"
else
  need_go
  log "installing opa $OPA_VERSION into .avb/bin (go install; a few minutes the first time)"
  GOBIN="$BIN_DIR" GOFLAGS=-buildvcs=false go install "github.com/open-policy-agent/opa@$OPA_VERSION"
  did+=("installed opa $OPA_VERSION")
fi
if [[ "$(opa_version "$BIN_DIR/opa-envoy")" == "$OPA_VERSION" && -f $BIN_DIR/opa-envoy.stamp \
      && "$(<"$BIN_DIR/opa-envoy.stamp")" == "$(opa_envoy_stamp)" ]]; then
  log "opa-envoy (OPA $OPA_VERSION + ext_authz gRPC): already built"
else
  need_go
  grep -q "github.com/open-policy-agent/opa $OPA_VERSION" dev/opa-envoy/go.mod \
    || die "dev/opa-envoy/go.mod does not require opa $OPA_VERSION: update it with the pin"
  log "building opa-envoy into .avb/bin (OPA $OPA_VERSION with the Envoy ext_authz gRPC server)"
  (cd dev/opa-envoy && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN_DIR/opa-envoy" .)
  opa_envoy_stamp >"$BIN_DIR/opa-envoy.stamp"
  did+=("built opa-envoy")
fi

# --- Speech engines (pinned) ------------------------------------------------------------------
missing=()
for spec in "${SPEECH_PACKAGES[@]}"; do
  pkg=${spec%%=*} want=${spec#*=}
  [[ "$(installed_version "$pkg")" == "$want" ]] || missing+=("$spec")
done
if (( ${#missing[@]} == 0 )); then
  log "speech engines: pocketsphinx, espeak-ng, flite already installed"
else
  need_root "${missing[*]}"
  apt_update_once
  for spec in "${missing[@]}"; do
    pkg=${spec%%=*} want=${spec#*=}
    offered="$(apt-cache madison "$pkg" | awk '{print $3}')"
    grep -qxF -- "$want" <<<"$offered" || die "$pkg $want is no longer offered by apt.
  Offered now: $(paste -sd' ' <<<"$offered")
  Update the pin in SPEECH_PACKAGES in dev/tools.sh."
  done
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
  did+=("installed ${missing[*]}")
fi

# --- Plain tools from Debian, only when missing -----------------------------------------------
for pair in mvn:maven openssl:openssl curl:curl; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if command -v "$cmd" >/dev/null; then
    log "$cmd: $(command -v "$cmd")"
  else
    need_root "$pkg"
    apt_update_once
    log "installing $pkg"
    apt_install "$pkg"
    did+=("installed $pkg")
  fi
done

# --- Checks -----------------------------------------------------------------------------------
[[ -x $JAVA_HOME/bin/java ]] || die "no JDK at JAVA_HOME=$JAVA_HOME (Temurin 25 expected; Helidon 4 needs Java 21+)"
java_major="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')"
(( java_major >= 21 )) || die "JDK at $JAVA_HOME is Java $java_major; Java 21+ is needed"
log "java: $java_major at $JAVA_HOME"

command -v node >/dev/null || die "node not found: Node.js $NODE_MIN_MAJOR+ is needed (Debian's nodejs is too old)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= NODE_MIN_MAJOR )) || die "node $(node --version) found; Node.js $NODE_MIN_MAJOR+ is needed"
command -v npm >/dev/null || die "npm not found (it comes with Node.js)"
log "node: $(node --version), npm $(npm --version)"

mvn_version="$(mvn -B -v 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk 'NR==1 {print $3}')"
log "mvn: ${mvn_version} (runs on JAVA_HOME)"
log "openssl: $(openssl version | awk '{print $2}')"
log "opa: $(opa_version "$BIN_DIR/opa"), opa-envoy: $(opa_version "$BIN_DIR/opa-envoy") (.avb/bin)"

# --- Silero VAD model (sha256-checked) ---------------------------------------------------------
sha_of() { sha256sum "$1" | awk '{print $1}'; }
if [[ -f $SILERO_MODEL && "$(sha_of "$SILERO_MODEL")" == "$SILERO_SHA256" ]]; then
  log "silero vad: $SILERO_MODEL"
else
  log "fetching silero_vad_v6.onnx from @ricky0123/vad-web@$VAD_WEB_VERSION"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "@ricky0123/vad-web@$VAD_WEB_VERSION" >/dev/null) \
    || die "npm pack @ricky0123/vad-web@$VAD_WEB_VERSION failed"
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
  did+=("created .avb/ state dirs")
fi
make_state_dirs

if (( ${#did[@]} )); then
  log "tools: done (${did[*]})"
else
  log "tools: nothing to do, everything is in place"
fi
