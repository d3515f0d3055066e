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

did=()        # what this run changed, printed at the end
apt_updated=no

installed_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '$3 == "installed" {print $4}'; }

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
