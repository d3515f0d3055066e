# AgentVoiceBox — the entry point. `make` lists the targets.

SHELL := /bin/bash

# Helidon 4 needs Java 21+. JAVA_HOME from the environment or the command line wins (make tools
# refuses one below 21); without one, dev/env.sh's default (Temurin 25: the machine's JDK is 17).
ifeq ($(strip $(JAVA_HOME)),)
JAVA_HOME := $(shell source dev/env.sh && printf '%s' "$$JAVA_HOME")
endif
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)

MVN ?= mvn
# Maven's own Guava warns about sun.misc.Unsafe on JDK 24+; that is Maven's, not ours.
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow

# The runnable services are the modules whose pom names a main class; each builds a thin jar
# services/<name>/target/<name>.jar with its libraries in target/libs.
SERVICE_POMS := $(shell grep -l '<mainClass>' services/*/pom.xml 2>/dev/null)
JARS := $(foreach p,$(SERVICE_POMS),$(patsubst %/pom.xml,%,$(p))/target/$(notdir $(patsubst %/pom.xml,%,$(p))).jar)
SOURCES := pom.xml $(wildcard services/*/pom.xml) $(shell find services -path '*/src/main/*' -type f 2>/dev/null)

.DEFAULT_GOAL := help
.PHONY: help tools build run stop status logs test policy-test bench lint

help: ## list the targets
	@echo "AgentVoiceBox — make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

tools: ## install and check what the local stack needs (version floors: the table atop dev/tools.sh)
	@dev/tools.sh

build: $(JARS) ## build all modules into thin jars (skipped when the jars are newer than the sources)
	@echo "build: jars are current: $(JARS)"

# One Maven run builds every jar; touch them so an up-to-date Maven run still counts.
$(JARS) &: $(SOURCES)
	$(MVN) -B -q install -DskipTests
	@touch $(JARS)

run: tools build ## tools and build if needed, then start Redis and the services on loopback (dev/stack.sh start)
	@dev/stack.sh start

stop: ## stop what `make run` started
	@dev/stack.sh stop

status: ## show what is running and whether it is healthy
	@dev/stack.sh status || true

logs: ## follow the logs of the running stack (.avb/logs)
	@dev/stack.sh logs

test: tools ## the install script's own test, unit and integration tests of every module, then the Realtime conformance tests
	@dev/tools-test.sh
	@dev/policy.sh
	$(MVN) -B test
	@dev/conformance.sh

policy-test: tools ## Rego: opa fmt, opa check --strict, opa test (coverage >= 90 %), policy bundle into .avb/policy
	@dev/policy.sh


# BENCH="text voice authz" picks benchmarks; ARGS (text), VOICE_ARGS, AUTHZ_ARGS (JMH) reach the
# script through the environment as command-line variables do. Options: dev/bench.sh.
bench: build ## start the stack, run the text, voice and authz benchmarks, stop it (ARGS/VOICE_ARGS/AUTHZ_ARGS, BENCH=...)
	@dev/bench.sh $(ARGS)

lint: tools ## formatting, Error Prone, dependency analysis, shellcheck, go vet/test (dev/opa-envoy), policy checks (dev/lint.sh)
	@MVN=$(MVN) dev/lint.sh
