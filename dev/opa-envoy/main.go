// Command opa-envoy is OPA with an Envoy ext_authz gRPC server built in: the same
// `envoy.service.auth.v3.Authorization/Check` contract, plugin name, configuration keys, policy
// input and structured result as github.com/open-policy-agent/opa-envoy-plugin, which the Go module
// proxy available to this project does not serve. Everything else (REST API on :8181, bundles,
// decision logs, `opa run` flags) is stock OPA, because this binary is OPA's own command tree.
package main

import (
	"errors"
	"os"

	"github.com/open-policy-agent/opa/cmd"
	"github.com/open-policy-agent/opa/v1/runtime"
)

func main() {
	runtime.RegisterPlugin(PluginName, Factory{})
	if err := cmd.RootCommand.Execute(); err != nil {
		if e, ok := errors.AsType[*cmd.ExitError](err); ok {
			os.Exit(e.Exit)
		}
		os.Exit(1)
	}
}
