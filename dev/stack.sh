#!/usr/bin/env bash
# The local stack: Redis and the Java services on loopback, state under .avb/.
#   dev/stack.sh start | stop | status | logs [name]
# make run = build if needed + start; make stop = stop; make logs = logs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

REDIS_PORT="${AVB_REDIS_PORT:-6390}"
GATEWAY_PORT="${AVB_GATEWAY_PORT:-8443}"
TENANTS_PORT="${AVB_TENANTS_PORT:-8444}"
OPA_GRPC_PORT="${AVB_OPA_GRPC_PORT:-9191}"
OPA_PORT="${AVB_OPA_PORT:-8181}"
LLM_PORT="${AVB_LLM_PORT:-8501}"
STT_PORT="${AVB_STT_PORT:-8502}"
TTS_PORT="${AVB_TTS_PORT:-8503}"

# The Java services, in start order (stopped in reverse). One line per service:
#   name | jar | port | health URL
# Each gets AVB_<NAME>_HOST=127.0.0.1, AVB_<NAME>_PORT=<port> and OTEL_SERVICE_NAME=<name>.
# A new service adds one line here (and a port variable above).
SERVICES=(
  "tenants | services/tenants/target/tenants.jar | $TENANTS_PORT | https://127.0.0.1:$TENANTS_PORT/observe/health"
  "llm     | services/llm/target/llm.jar         | $LLM_PORT     | http://127.0.0.1:$LLM_PORT/observe/health"
  "stt     | services/stt/target/stt.jar         | $STT_PORT     | http://127.0.0.1:$STT_PORT/observe/health"
  "tts     | services/tts/target/tts.jar         | $TTS_PORT     | http://127.0.0.1:$TTS_PORT/observe/health"
  "gateway | services/gateway/target/gateway.jar | $GATEWAY_PORT | https://127.0.0.1:$GATEWAY_PORT/observe/health"
)

# AVB_SERVICES="llm gateway" starts only those Java services; AVB_SERVICES=none only Redis.
SELECTED="${AVB_SERVICES:-all}"

HEALTH_TIMEOUT=60   # seconds per service
STOP_TIMEOUT=15     # seconds between SIGTERM and SIGKILL

# Settings every Java service gets, unless the user set them already.
export AVB_REDIS_URL="${AVB_REDIS_URL:-redis://127.0.0.1:$REDIS_PORT}"
export AVB_TLS_CERT="${AVB_TLS_CERT:-$TLS_DIR/server.pem}"
export AVB_TLS_KEY="${AVB_TLS_KEY:-$TLS_DIR/server.key}"
export AVB_DEV_API_KEY_FILE="${AVB_DEV_API_KEY_FILE:-$API_KEY_FILE}"
export AVB_REDIS_PORT="$REDIS_PORT" AVB_GATEWAY_PORT="$GATEWAY_PORT" AVB_LLM_PORT="$LLM_PORT"
# tenants: signs keys (private keys in .avb/tenants), writes the admin and dev keys on first start;
# OPA: the edge policy over ext_authz gRPC, the session policy over REST.
export AVB_TENANTS_PORT="$TENANTS_PORT" AVB_ADMIN_API_KEY_FILE="${AVB_ADMIN_API_KEY_FILE:-$AVB_DIR/admin-api-key}"
export AVB_SIGNING_KEYS_DIR="${AVB_SIGNING_KEYS_DIR:-$AVB_DIR/tenants/signing-keys}"
export AVB_TIERS_FILE="${AVB_TIERS_FILE:-$ROOT/policies/data/avb/tiers/data.json}"
export AVB_EDGE_AUTHZ="${AVB_EDGE_AUTHZ:-self}" AVB_OPA_GRPC="127.0.0.1:$OPA_GRPC_PORT" AVB_OPA_URL="http://127.0.0.1:$OPA_PORT"
export AVB_TENANTS_URL="https://127.0.0.1:$TENANTS_PORT"
export AVB_TLS_CA="${AVB_TLS_CA:-$TLS_DIR/ca.pem}"   # the dev CA: services trust each other's certificates through it
export AVB_STT_PORT="$STT_PORT" AVB_TTS_PORT="$TTS_PORT"
export AVB_VAD_MODEL="${AVB_VAD_MODEL:-$AVB_DIR/models/silero_vad_v6.onnx}"   # fetched by make tools

# --- helpers ----------------------------------------------------------------------------------

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# service_fields "<table line>" -> sets S_NAME S_JAR S_PORT S_HEALTH
service_fields() {
  local name jar port health
  IFS='|' read -r name jar port health <<<"$1"
  S_NAME="$(trim "$name")" S_JAR="$(trim "$jar")" S_PORT="$(trim "$port")" S_HEALTH="$(trim "$health")"
}

selected_services() {  # prints the table lines to act on, in start order
  local line
  for line in "${SERVICES[@]}"; do
    service_fields "$line"
    if [[ $SELECTED == all ]] || [[ " $SELECTED " == *" $S_NAME "* ]]; then
      printf '%s\n' "$line"
    fi
  done
}

pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# running_pid <name> <what its command line must contain>: prints the pid if the process that
# start recorded is still the one running; removes a stale pid file.
running_pid() {
  local name="$1" marker="$2" file pid
  file="$(pid_file "$name")"
  [[ -f $file ]] || return 1
  pid="$(<"$file")"
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
    printf '%s' "$pid"
    return 0
  fi
  log "$name: removing stale pid file (pid $pid is gone)" >&2
  rm -f "$file"
  return 1
}

log_mark() { printf '==== %s: starting %s ====\n' "$(date -Is)" "$1" >>"$(log_file "$1")"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The environment a service runs with: a clean one plus every AVB_* and OTEL_* variable.
service_env() {
  SVC_ENV=(PATH="$PATH" HOME="${HOME:-/root}" LANG="${LANG:-C.UTF-8}" JAVA_HOME="$JAVA_HOME")
  local v
  for v in $(compgen -e); do
    case $v in AVB_*|OTEL_*) SVC_ENV+=("$v=${!v}") ;; esac
  done
}

STARTED=()   # names this invocation started, for cleanup when a later one fails

fail_start() {  # fail_start <name> <message>
  local name="$1" msg="$2" file
  file="$(log_file "$name")"
  printf 'error: %s\n' "$msg" >&2
  if [[ " ${STARTED[*]} " == *" $name "* && -f $file ]]; then   # its log only if we started it
    printf -- '--- last 40 lines of %s (this start) ---\n' "${file#"$ROOT/"}" >&2
    awk '/^==== .*: starting / {n = 0; delete l; next} {l[++n] = $0} END {for (i = 1; i <= n; i++) print l[i]}' \
      "$file" | tail -n 40 >&2
    printf -- '---\n' >&2
  fi
  local i
  for (( i=${#STARTED[@]}-1; i>=0; i-- )); do stop_one "${STARTED[i]}"; done
  exit 1
}

# wait_healthy <name> <pid> <check command...>
# Checks the pid alone: right after the fork its command line is still this script's.
wait_healthy() {
  local name="$1" pid="$2"; shift 2
  local deadline=$(( SECONDS + HEALTH_TIMEOUT ))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$(pid_file "$name")"
      fail_start "$name" "$name exited during startup"
    fi
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  fail_start "$name" "$name not healthy after ${HEALTH_TIMEOUT}s"
}

marker_of() {  # what identifies a component's process in its command line
  local name="$1" line
  if [[ $name == redis ]]; then printf 'redis-server'; return; fi
  if [[ $name == opa ]]; then printf '%s' "$OPA_BIN"; return; fi
  for line in "${SERVICES[@]}"; do
    service_fields "$line"
    if [[ $S_NAME == "$name" ]]; then printf '%s' "$ROOT/$S_JAR"; return; fi
  done
}

stop_one() {
  local name="$1" pid i
  if [[ " ${STARTED[*]} " == *" $name "* ]]; then   # started by this run: the pid is ours
    [[ -f $(pid_file "$name") ]] || return 0
    pid="$(<"$(pid_file "$name")")"
    kill -0 "$pid" 2>/dev/null || { rm -f "$(pid_file "$name")"; return 0; }
  else
    pid="$(running_pid "$name" "$(marker_of "$name")")" || return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for (( i=0; i < STOP_TIMEOUT*10; i++ )); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$name")"
}

# --- one-time local secrets -------------------------------------------------------------------

# tls_step <what> <command...>: runs an openssl/keytool step, its chatter in .avb/tls/openssl.log.
tls_step() {
  local what="$1"; shift
  "$@" >>"$TLS_DIR/openssl.log" 2>&1 || die "could not create $what: '$1' failed; its message is in ${TLS_DIR#"$ROOT/"}/openssl.log"
}

ensure_tls() {
  local ca="$TLS_DIR/ca.pem" ca_key="$TLS_DIR/ca.key" crt="$TLS_DIR/server.pem" key="$TLS_DIR/server.key"
  local ts="$TLS_DIR/truststore.p12" umask_before
  umask_before="$(umask)"
  umask 077
  if [[ ! -s $ca || ! -s $ca_key ]]; then
    log "creating dev CA .avb/tls/ca.pem (10 years)"
    tls_step "the dev CA" openssl req -x509 -newkey rsa:2048 -noenc -sha256 -days 3650 \
      -subj "/O=AgentVoiceBox/CN=AgentVoiceBox local dev CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$ca_key" -out "$ca"
    rm -f "$crt" "$key" "$ts"   # signed by the old CA, if any
  fi
  if [[ -s $crt ]] && ! openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null; then
    log "server certificate expires within a day: renewing"
    rm -f "$crt" "$key"
  fi
  if [[ ! -s $crt || ! -s $key ]]; then
    log "creating server certificate .avb/tls/server.pem (127.0.0.1, localhost; 825 days)"
    tls_step "the server key" openssl req -new -newkey rsa:2048 -noenc -subj "/O=AgentVoiceBox/CN=localhost" \
      -keyout "$key" -out "$TLS_DIR/server.csr"
    tls_step "the server certificate" openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$ca" -CAkey "$ca_key" \
      -sha256 -days 825 -set_serial "0x$(openssl rand -hex 16)" -out "$crt" \
      -extfile <(printf '%s\n' \
        "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        "subjectKeyIdentifier=hash" \
        "authorityKeyIdentifier=keyid")
    rm -f "$TLS_DIR/server.csr"
  fi
  # The same CA for Java clients (benchmarks, tests): PKCS#12, password "changeit".
  if [[ ! -s $ts ]]; then
    tls_step "the Java truststore" "$JAVA_HOME/bin/keytool" -importcert -noprompt -alias avb-dev-ca -file "$ca" \
      -keystore "$ts" -storetype PKCS12 -storepass changeit
  fi
  umask "$umask_before"
  chmod 600 "$ca_key" "$key"
  chmod 644 "$ca" "$crt" "$ts"
}

ensure_api_key() {
  # The tenants service writes .avb/dev-api-key (a signed dev tenant key) when it is missing. An
  # opaque key from before the tenants service is not a JWT: say how to replace it.
  if [[ -s $AVB_DEV_API_KEY_FILE ]] && ! grep -q "^ey" "$AVB_DEV_API_KEY_FILE"; then
    log "warning: .avb/dev-api-key holds an opaque key from an older stack; OPA refuses it."
    log "         delete it and run 'make run' again to get a signed one"
  fi
}

# --- components -------------------------------------------------------------------------------

# --- OPA (with the Envoy ext_authz gRPC server) --------------------------------------------------

OPA_BIN="$AVB_DIR/bin/opa-envoy"
OPA_DIR="$AVB_DIR/opa"
POLICY_BUNDLE="$AVB_DIR/policy/policy.tar.gz"

opa_ping() { curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$OPA_PORT/health"; }

start_opa() {
  local pid
  if pid="$(running_pid opa "$OPA_BIN")"; then
    log "opa: already running (pid $pid)"; return 0
  fi
  port_in_use "$OPA_PORT" && die "port $OPA_PORT is in use by another process (set AVB_OPA_PORT)"
  port_in_use "$OPA_GRPC_PORT" && die "port $OPA_GRPC_PORT is in use by another process (set AVB_OPA_GRPC_PORT)"
  # The policy bundle is rebuilt when a policy or the tier data is newer than it.
  if [[ ! -f $POLICY_BUNDLE ]] || [[ -n "$(find policies -newer "$POLICY_BUNDLE" -type f | head -1)" ]]; then
    "$ROOT/dev/policy.sh" build
  fi
  mkdir -p "$OPA_DIR"
  # Decision logs go to the console, i.e. .avb/logs/opa.log (keys masked by policies/system).
  cat >"$OPA_DIR/config.yaml" <<YAML
services:
  tenants:
    url: https://127.0.0.1:$TENANTS_PORT
    tls:
      ca_cert: $TLS_DIR/ca.pem
bundles:
  tenants:
    service: tenants
    resource: /bundles/tenants.tar.gz
    # Long polling: tenants answers the moment the directory changes (and waits for OPA to fetch
    # it before confirming a write); the delays apply only if OPA falls back to periodic polls.
    polling:
      long_polling_timeout_seconds: 30
      min_delay_seconds: 2
      max_delay_seconds: 5
decision_logs:
  console: true
plugins:
  envoy_ext_authz_grpc:
    addr: 127.0.0.1:$OPA_GRPC_PORT
    path: envoy/authz/allow
YAML
  log "starting opa on 127.0.0.1:$OPA_PORT (REST) and 127.0.0.1:$OPA_GRPC_PORT (ext_authz gRPC)"
  log_mark opa
  nohup "$OPA_BIN" run --server --addr "127.0.0.1:$OPA_PORT" --diagnostic-addr "127.0.0.1:$(( OPA_PORT + 101 ))" \
    --config-file "$OPA_DIR/config.yaml" --bundle "$POLICY_BUNDLE" --log-format json \
    >>"$(log_file opa)" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file opa)"
  STARTED+=(opa)
  wait_healthy opa "$pid" opa_ping
}

redis_ping() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG; }

start_redis() {
  local marker pid
  marker="$(marker_of redis)"
  if pid="$(running_pid redis "$marker")"; then
    log "redis: already running (pid $pid)"; return 0
  fi
  port_in_use "$REDIS_PORT" && die "port $REDIS_PORT is in use by another process (set AVB_REDIS_PORT)"
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  log_mark redis
  nohup redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" \
    --daemonize no --logfile "" >>"$(log_file redis)" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file redis)"
  STARTED+=(redis)
  wait_healthy redis "$pid" redis_ping
}

health_ok() {  # health_ok <url>: 2xx from the health endpoint
  curl -fsS --max-time 2 --cacert "$TLS_DIR/ca.pem" -o /dev/null "$1"
}

start_service() {
  local line="$1" pid jar
  service_fields "$line"
  jar="$ROOT/$S_JAR"
  if pid="$(running_pid "$S_NAME" "$jar")"; then
    log "$S_NAME: already running (pid $pid)"; return 0
  fi
  [[ -f $jar ]] || fail_start "$S_NAME" "$S_JAR is missing: run 'make build'"
  port_in_use "$S_PORT" && fail_start "$S_NAME" "port $S_PORT is in use by another process"
  log "starting $S_NAME on 127.0.0.1:$S_PORT"
  log_mark "$S_NAME"
  service_env
  # Loopback only, whatever AVB_*_HOST says: the dev stack is never reachable from outside.
  # shellcheck disable=SC2086 # AVB_JAVA_OPTS is a list of JVM options
  nohup env -i "${SVC_ENV[@]}" OTEL_SERVICE_NAME="$S_NAME" \
    "AVB_${S_NAME^^}_HOST=127.0.0.1" "AVB_${S_NAME^^}_PORT=$S_PORT" \
    "$JAVA_HOME/bin/java" -Djava.io.tmpdir="$TMP_DIR" -Djna.tmpdir="$TMP_DIR" \
    ${AVB_JAVA_OPTS:-} -jar "$jar" >>"$(log_file "$S_NAME")" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file "$S_NAME")"
  STARTED+=("$S_NAME")
  wait_healthy "$S_NAME" "$pid" health_ok "$S_HEALTH"
}

print_urls() {
  log ""
  log "AgentVoiceBox is running (logs: make logs; stop: make stop)"
  log "  redis      redis://127.0.0.1:$REDIS_PORT"
  local line
  while IFS= read -r line; do
    service_fields "$line"
    log "  $(printf '%-10s' "$S_NAME") health $S_HEALTH"
    if [[ $S_NAME == gateway ]]; then
      log "             REST     https://127.0.0.1:$GATEWAY_PORT/v1"
      log "             realtime wss://127.0.0.1:$GATEWAY_PORT/v1/realtime"
    fi
  done < <(selected_services)
  log "  opa        http://127.0.0.1:$OPA_PORT (REST, session policy), 127.0.0.1:$OPA_GRPC_PORT (ext_authz gRPC); decisions in .avb/logs/opa.log"
  log "  API key    .avb/dev-api-key (dev tenant user key); .avb/admin-api-key (platform admin)"
  log "  TLS CA     .avb/tls/ca.pem (NODE_EXTRA_CA_CERTS, curl --cacert); Java: .avb/tls/truststore.p12"
}

# --- commands ---------------------------------------------------------------------------------

# What start needs before it changes anything; each comes with make tools.
require_tools() {
  local cmd
  for cmd in redis-server redis-cli openssl curl; do
    command -v "$cmd" >/dev/null || die "$cmd not found: run 'make tools'"
  done
  [[ -x $JAVA_HOME/bin/java ]] || die "no JDK at JAVA_HOME=$JAVA_HOME: run 'make tools' (it says which Java it needs)"
  [[ -x $OPA_BIN ]] || die "$OPA_BIN not found: run 'make tools'"
}

cmd_start() {
  require_tools
  make_state_dirs
  ensure_tls
  ensure_api_key
  local line
  start_redis
  start_opa
  while IFS= read -r line; do
    service_fields "$line"
    start_service "$line"
  done < <(selected_services)
  if (( ${#STARTED[@]} == 0 )); then
    log "stack already running: nothing to do"
  fi
  print_urls
}

cmd_stop() {
  local names=() line i
  for line in "${SERVICES[@]}"; do service_fields "$line"; names+=("$S_NAME"); done
  for (( i=${#names[@]}-1; i>=0; i-- )); do stop_one "${names[i]}"; done
  stop_one opa
  stop_one redis
  log "stack stopped"
}

cmd_status() {
  local pid line rc=0
  if pid="$(running_pid redis "$(marker_of redis)")"; then
    if redis_ping >/dev/null 2>&1; then log "redis    running (pid $pid), healthy"
    else log "redis    running (pid $pid), NOT answering PING"; rc=1; fi
  else
    log "redis    stopped"; rc=1
  fi
  if pid="$(running_pid opa "$OPA_BIN")"; then
    if opa_ping >/dev/null 2>&1; then log "opa      running (pid $pid), healthy"
    else log "opa      running (pid $pid), NOT healthy"; rc=1; fi
  else
    log "opa      stopped"; rc=1
  fi
  while IFS= read -r line; do
    service_fields "$line"
    if pid="$(running_pid "$S_NAME" "$ROOT/$S_JAR")"; then
      if health_ok "$S_HEALTH" >/dev/null 2>&1; then log "$(printf '%-8s' "$S_NAME") running (pid $pid), healthy"
      else log "$(printf '%-8s' "$S_NAME") running (pid $pid), NOT healthy at $S_HEALTH"; rc=1; fi
    else
      log "$(printf '%-8s' "$S_NAME") stopped"; rc=1
    fi
  done < <(selected_services)
  return $rc
}

cmd_logs() {
  local files=()
  if (( $# )); then
    files=("$(log_file "$1")")
  else
    shopt -s nullglob; files=("$LOG_DIR"/*.log); shopt -u nullglob
  fi
  (( ${#files[@]} )) || die "no logs yet in .avb/logs (start the stack with 'make run')"
  exec tail -n 40 -F "${files[@]}"
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) if cmd_status; then exit 0; else exit 1; fi ;;   # "not all healthy" is an answer, not an error
  logs)   shift; cmd_logs "$@" ;;
  *) printf 'usage: %s start|stop|status|logs [name]\n' "$0" >&2; exit 2 ;;
esac
