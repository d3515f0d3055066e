package system.log_test

import rego.v1

import data.system.log

event(http, query) := {"input": {"attributes": {"request": {"http": http}}, "parsed_query": query}}

test_bearer_key_is_masked if {
	log.mask == {"/input/attributes/request/http/headers/authorization"} with input as event(
		{"headers": {"authorization": "Bearer x"}, "path": "/v1/realtime", "query": ""},
		{},
	)
}

test_subprotocol_and_query_keys_are_masked if {
	m := log.mask with input as event(
		{
			"headers": {"sec-websocket-protocol": "realtime, openai-insecure-api-key.abc"},
			"path": "/v1/realtime?api-key=abc", "query": "api-key=abc",
		},
		{"api-key": ["abc"]},
	)
	m == {
		"/input/attributes/request/http/headers/sec-websocket-protocol",
		"/input/parsed_query/api-key",
		"/input/attributes/request/http/path",
		"/input/attributes/request/http/query",
	}
}

test_nothing_to_mask if {
	count(log.mask) == 0 with input as event({"headers": {"sec-websocket-protocol": "realtime"}, "path": "/v1/realtime", "query": ""}, {})
}
