# Sourced by the dev/ scripts: repo root, the JDK, and where local state lives.
# Not executable on its own.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Helidon 4 needs Java 21+; the machine default is 17. Same value as in the Makefile and .ci/run.
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"

AVB_DIR="$ROOT/.avb"          # git-ignored
RUN_DIR="$AVB_DIR/run"        # <name>.pid
LOG_DIR="$AVB_DIR/logs"       # <name>.log
TMP_DIR="$AVB_DIR/tmp"        # java.io.tmpdir / jna.tmpdir of every java process
REDIS_DIR="$AVB_DIR/redis"    # Redis data dir
TLS_DIR="$AVB_DIR/tls"        # dev CA and server certificate
API_KEY_FILE="$AVB_DIR/dev-api-key"

make_state_dirs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$TMP_DIR" "$REDIS_DIR" "$TLS_DIR"
  chmod 700 "$TLS_DIR"
}

log() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
