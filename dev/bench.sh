#!/usr/bin/env bash
# make bench: starts the stack once, runs three benchmarks against it, stops the stack.
#
#   text   dev.agentvoicebox.gateway.bench.RealtimeBench: N concurrent text sessions (round trips,
#          text turns, connect time, gateway memory per idle session). Options in ARGS:
#            --sessions 200 --turns 3 --round-trips 5 --deadline-s 180 --connect-concurrency 50 --settle-ms 2000
#   voice  dev.agentvoicebox.gateway.bench.VoiceBench: M concurrent spoken sessions (flite question
#          streamed in 20 ms chunks at real-time pace, server_vad, audio answers): speech_stopped ->
#          first output_audio.delta p50/p99, CPU of gateway+stt+tts+llm per session and per audio
#          second. Options in VOICE_ARGS:
#            --sessions 8 (max 64) --turns 3 --deadline-s 180 --silence-ms 500 --pause-ms 1000
#            --stagger-ms 300 --question '...' --voice alloy
#   authz  dev.agentvoicebox.gateway.bench.AuthzBench (JMH, sample mode): EdgeAuthz.check over
#          ext_authz gRPC, SessionPolicy.decide uncached vs cached, RateLimiter.acquireResponse and
#          checkTokens on a throwaway tenant. Options in AUTHZ_ARGS are JMH's (org.openjdk.jmh.Main -h),
#          e.g. "-i 5 -r 5s", or "-e rateLimit" to leave those out; default 1 fork, 2x1 s warm-up,
#          3x2 s measured per benchmark (about a minute for the five).
#
#   make bench                                   # all three (about 3-4 minutes on 2 cores)
#   make bench BENCH="voice authz"               # a subset, in that order
#   make bench ARGS="--sessions 50" VOICE_ARGS="--sessions 4 --turns 2" AUTHZ_ARGS="-i 2"
#
# Each benchmark is bounded by its own deadline and, as a backstop, by `timeout` (BENCH_TIMEOUT_S,
# default 600 s each). Everything also goes to .avb/bench/<time>.txt (JMH's full log included; its
# results as JSON in <time>-authz.json). Exit status 1 when one failed.
# The benchmarks run on the gateway's test classpath and find the stack through:
#   AVB_GATEWAY_URL   https://127.0.0.1:8443
#   AVB_API_KEY_FILE  .avb/dev-api-key (the dev tenant: enterprise tier, 500 sessions, 3000 responses/min)
#   AVB_CA_FILE       .avb/tls/ca.pem; the JVM also trusts it via -Djavax.net.ssl.trustStore
#   AVB_RUN_DIR       .avb/run (pid files: gateway memory, service CPU)
#   AVB_OPA_GRPC, AVB_OPA_URL, AVB_REDIS_URL   the stack's OPA and Redis (authz)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

MAVEN="${MVN:-mvn}"
MAKE="${MAKE:-make}"
BENCHES="${BENCH:-text voice authz}"
LIMIT="${BENCH_TIMEOUT_S:-600}"
TEXT_ARGS=("$@")
# Shell words, so that --question 'a sentence' stays one value (your own command line: eval is fine).
eval "VOICE_OPTS=(${VOICE_ARGS:-})"
eval "AUTHZ_OPTS=(${AUTHZ_ARGS:-})"

for b in $BENCHES; do
  case $b in text|voice|authz) ;; *) die "bench: unknown benchmark '$b' (text, voice, authz)" ;; esac
done

log "bench: compiling the gateway test classes (JMH code is generated here)"
"$MAVEN" -B -q -pl services/gateway test-compile
"$MAVEN" -B -q -pl services/gateway dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
CP="services/gateway/target/test-classes:services/gateway/target/classes:$(<services/gateway/target/test-classpath.txt)"

trap '"$MAKE" --no-print-directory stop' EXIT
"$MAKE" --no-print-directory run

export AVB_GATEWAY_URL="https://127.0.0.1:${AVB_GATEWAY_PORT:-8443}"
export AVB_API_KEY_FILE="$API_KEY_FILE"
export AVB_CA_FILE="$TLS_DIR/ca.pem"
export AVB_RUN_DIR="$RUN_DIR"
export AVB_OPA_GRPC="127.0.0.1:${AVB_OPA_GRPC_PORT:-9191}" AVB_OPA_URL="http://127.0.0.1:${AVB_OPA_PORT:-8181}"
export AVB_REDIS_URL="${AVB_REDIS_URL:-redis://127.0.0.1:${AVB_REDIS_PORT:-6390}}"

JVM=("$JAVA_HOME/bin/java" -Djava.io.tmpdir="$TMP_DIR" -Djna.tmpdir="$TMP_DIR"
  --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED
  -Djavax.net.ssl.trustStore="$TLS_DIR/truststore.p12" -Djavax.net.ssl.trustStorePassword=changeit
  -Djavax.net.ssl.trustStoreType=PKCS12 -cp "$CP")

# The benchmarks assume the dev tenant's enterprise limits; older .avb/redis data may have it on pro.
ADMIN_KEY_FILE="${AVB_ADMIN_API_KEY_FILE:-$AVB_DIR/admin-api-key}"
TENANTS="https://127.0.0.1:${AVB_TENANTS_PORT:-8444}"
if [[ -s $ADMIN_KEY_FILE ]]; then
  tier="$(curl -fsS --max-time 5 --cacert "$TLS_DIR/ca.pem" -H "Authorization: Bearer $(<"$ADMIN_KEY_FILE")" \
    "$TENANTS/v1/tenants/dev" 2>/dev/null | sed -n 's/.*"tier":"\([a-z]*\)".*/\1/p')" || true
  if [[ -n $tier && $tier != enterprise ]]; then
    log "bench: warning: the dev tenant is on '$tier', not enterprise: its session and response limits will refuse load."
    log "       curl --cacert .avb/tls/ca.pem -X PATCH $TENANTS/v1/tenants/dev -H \"Authorization: Bearer \$(cat .avb/admin-api-key)\" \\"
    log "         -H 'Content-Type: application/json' -d '{\"tier\":\"enterprise\"}'"
  fi
fi

mkdir -p "$AVB_DIR/bench"
REPORT="$AVB_DIR/bench/$(date +%Y%m%d-%H%M%S).txt"
log "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); every service and the driver share them" | tee "$REPORT"

# JMH's progress is long: the report keeps all of it, the console which benchmark runs, failures
# and the summary table (p0.50, p0.99, ... per benchmark).
jmh_summary() {
  awk '/^# Benchmark: / {print; fflush(); next}
       /<failure>|Exception|^# Run complete/ {print; fflush(); next}
       /^Benchmark +Mode/ {table = 1}
       table {print; fflush()}'
}

FAILED=()
run_bench() {  # run_bench <name> <console filter> <command...>
  local name="$1" filter="$2"; shift 2
  log "" | tee -a "$REPORT"
  log "==== bench $name" | tee -a "$REPORT"
  local rc=0
  timeout --kill-after=10 "$LIMIT" "$@" 2>&1 | tee -a "$REPORT" | "$filter" || rc=${PIPESTATUS[0]}
  if (( rc != 0 )); then
    log "==== bench $name: failed (exit $rc)" | tee -a "$REPORT"
    FAILED+=("$name")
  fi
}

for b in $BENCHES; do
  case $b in
    text)  run_bench text cat "${JVM[@]}" dev.agentvoicebox.gateway.bench.RealtimeBench "${TEXT_ARGS[@]}" ;;
    voice) run_bench voice cat "${JVM[@]}" dev.agentvoicebox.gateway.bench.VoiceBench "${VOICE_OPTS[@]}" ;;
    authz) run_bench authz jmh_summary "${JVM[@]}" org.openjdk.jmh.Main dev.agentvoicebox.gateway.bench.AuthzBench \
             -foe true -rf json -rff "${REPORT%.txt}-authz.json" \
             -jvmArgsAppend "-Djava.io.tmpdir=$TMP_DIR -Djna.tmpdir=$TMP_DIR" "${AUTHZ_OPTS[@]}" ;;
  esac
done

log "" | tee -a "$REPORT"
if (( ${#FAILED[@]} )); then
  log "bench: failed: ${FAILED[*]}; report in ${REPORT#"$ROOT/"}" | tee -a "$REPORT"
  exit 1
fi
log "bench: done ($BENCHES); report in ${REPORT#"$ROOT/"}" | tee -a "$REPORT"
