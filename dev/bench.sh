#!/usr/bin/env bash
# make bench: starts the stack, runs the Realtime benchmark against the gateway, stops the stack.
#   make bench ARGS="..."   (ARGS go to the benchmark's main)
#
# The benchmark is dev.agentvoicebox.gateway.bench.RealtimeBench in the gateway's test classes
# (a bench/RealtimeBench.java somewhere under services/gateway). It runs on the gateway's test
# classpath and finds the stack through:
#   AVB_GATEWAY_URL   https://127.0.0.1:8443
#   AVB_API_KEY_FILE  .avb/dev-api-key
#   AVB_CA_FILE       .avb/tls/ca.pem; the JVM also trusts it via -Djavax.net.ssl.trustStore
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

MAIN=dev.agentvoicebox.gateway.bench.RealtimeBench
MAVEN="${MVN:-mvn}"
MAKE="${MAKE:-make}"

if [[ -z "$(find services/gateway -path '*/bench/RealtimeBench.java' -print -quit 2>/dev/null)" ]]; then
  log "bench: no RealtimeBench under services/gateway yet, nothing to run"
  exit 0
fi

log "bench: compiling the gateway test classes"
"$MAVEN" -B -q -pl services/gateway test-compile
"$MAVEN" -B -q -pl services/gateway dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
CP="services/gateway/target/test-classes:services/gateway/target/classes:$(<services/gateway/target/test-classpath.txt)"

trap '"$MAKE" --no-print-directory stop' EXIT
"$MAKE" --no-print-directory run

export AVB_GATEWAY_URL="https://127.0.0.1:${AVB_GATEWAY_PORT:-8443}"
export AVB_API_KEY_FILE="$API_KEY_FILE"
export AVB_CA_FILE="$TLS_DIR/ca.pem"
log "bench: $MAIN $*"
"$JAVA_HOME/bin/java" -Djava.io.tmpdir="$TMP_DIR" -Djna.tmpdir="$TMP_DIR" \
  -Djavax.net.ssl.trustStore="$TLS_DIR/truststore.p12" -Djavax.net.ssl.trustStorePassword=changeit \
  -Djavax.net.ssl.trustStoreType=PKCS12 \
  -cp "$CP" "$MAIN" "$@"
