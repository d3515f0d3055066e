# shellcheck shell=bash
# Sourced by the dev/ scripts: repo root, the JDK, where local state lives, and how errors are
# reported. Not executable on its own.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Helidon 4 needs Java 21+. A JAVA_HOME from the environment wins (make tools refuses one below 21);
# without one, Temurin 25, since the machine's default JDK is 17. The Makefile reads this default.
DEFAULT_JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export JAVA_HOME="${JAVA_HOME:-$DEFAULT_JAVA_HOME}"
export PATH="$JAVA_HOME/bin:$PATH"

AVB_DIR="${AVB_DIR:-$ROOT/.avb}"   # git-ignored; AVB_DIR moves all local state elsewhere
RUN_DIR="$AVB_DIR/run"        # <name>.pid
LOG_DIR="$AVB_DIR/logs"       # <name>.log
TMP_DIR="$AVB_DIR/tmp"        # java.io.tmpdir / jna.tmpdir of every java process
REDIS_DIR="$AVB_DIR/redis"    # Redis data dir
TLS_DIR="$AVB_DIR/tls"        # dev CA and server certificate
# shellcheck disable=SC2034 # used by the scripts that source this file
API_KEY_FILE="$AVB_DIR/dev-api-key"

make_state_dirs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$TMP_DIR" "$REDIS_DIR" "$TLS_DIR"
  chmod 700 "$TLS_DIR"
}

log() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The safety net under `set -e`: a command that fails without an explicit message (die) still says
# which one, where, and with what status, instead of the script ending silently. Reported once, by
# the script itself: a failure inside $(...) or ( ... ) surfaces as the line that ran it.
report_failure() {  # report_failure <status> <line> <command>
  (( BASH_SUBSHELL == 0 )) || return 0
  local command="${3%%$'\n'*}"
  [[ $command == "$3" ]] || command+=" ..."
  printf "error: %s line %s: '%s' failed (exit %s)\n" "${BASH_SOURCE[1]#"$ROOT/"}" "$2" "$command" "$1" >&2
  printf '       see the output above; after fixing the cause, run the same command again\n' >&2
}
set -o errtrace
trap 'report_failure "$?" "$LINENO" "$BASH_COMMAND"' ERR
