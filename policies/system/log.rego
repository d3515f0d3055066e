# Decision-log masking: OPA applies data.system.log.mask to every decision log event before it
# leaves the process, so API keys never reach the log (or analytics) wherever a client put them.
package system.log

import rego.v1

http_request := input.input.attributes.request.http

mask contains "/input/attributes/request/http/headers/authorization" if http_request.headers.authorization

mask contains "/input/attributes/request/http/headers/sec-websocket-protocol" if {
	contains(http_request.headers["sec-websocket-protocol"], "openai-insecure-api-key.")
}

mask contains "/input/parsed_query/api-key" if input.input.parsed_query["api-key"]

mask contains "/input/attributes/request/http/path" if contains(http_request.path, "api-key=")

mask contains "/input/attributes/request/http/query" if contains(http_request.query, "api-key=")
