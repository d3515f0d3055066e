# The edge policy: one decision per request, evaluated by the OPA Envoy plugin (gRPC ext_authz)
# against Envoy's CheckRequest, whether Envoy sent it (Istio, Envoy Gateway) or a service sent it
# itself (AVB_EDGE_AUTHZ=self). The result is the plugin's structured form.
package envoy.authz

import rego.v1

issuer := "avb-tenants"

audience := "agentvoicebox"

http_request := input.attributes.request.http

request_headers := object.get(http_request, "headers", {})

segments := object.get(input, "parsed_path", [])

# --- routes ----------------------------------------------------------------------------------
# roles: who may call it besides a platform admin (who may call everything). kinds: which kinds
# of token it accepts; ek_ client secrets only open realtime sessions. usage: subject to the
# tenant's allowed hours.

public_routes := [
	{"method": "GET", "path": [".well-known", "jwks.json"]},
	{"method": "GET", "path": ["bundles", "tenants.tar.gz"]},
	{"method": "GET", "path": ["observe", "health"]},
]

api_keys := {"api_key"}

routes := [
	{"method": "GET", "path": ["v1", "realtime"], "roles": {"admin", "user"}, "kinds": {"api_key", "client_secret"}, "usage": true},
	{"method": "POST", "path": ["v1", "realtime", "client_secrets"], "roles": {"admin", "user"}, "kinds": api_keys, "usage": true},
	{"method": "POST", "path": ["v1", "realtime", "sessions"], "roles": {"admin", "user"}, "kinds": api_keys, "usage": true},
	{"method": "GET", "path": ["v1", "realtime", "sessions"], "roles": {"admin", "user", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "realtime", "sessions", "*"], "roles": {"admin", "user", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "DELETE", "path": ["v1", "realtime", "sessions", "*"], "roles": {"admin", "user"}, "kinds": api_keys, "usage": false},
	{"method": "POST", "path": ["v1", "tenants"], "roles": set(), "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "tenants"], "roles": set(), "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "tenants", "{tenant}"], "roles": {"admin", "user", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "PATCH", "path": ["v1", "tenants", "{tenant}"], "roles": {"admin"}, "kinds": api_keys, "usage": false},
	{"method": "POST", "path": ["v1", "tenants", "{tenant}", "keys"], "roles": {"admin"}, "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "tenants", "{tenant}", "keys"], "roles": {"admin", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "tenants", "{tenant}", "keys", "*"], "roles": {"admin", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "DELETE", "path": ["v1", "tenants", "{tenant}", "keys", "*"], "roles": {"admin"}, "kinds": api_keys, "usage": false},
	{"method": "POST", "path": ["v1", "tenants", "{tenant}", "projects"], "roles": {"admin"}, "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "tenants", "{tenant}", "projects"], "roles": {"admin", "user", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "GET", "path": ["v1", "tenants", "{tenant}", "projects", "{project}"], "roles": {"admin", "user", "readonly"}, "kinds": api_keys, "usage": false},
	{"method": "POST", "path": ["v1", "tenants", "{tenant}", "client_secrets"], "roles": {"admin", "user"}, "kinds": api_keys, "usage": true},
	{"method": "POST", "path": ["v1", "signing_keys", "rotate"], "roles": set(), "kinds": api_keys, "usage": false},
]

segment_matches(pattern, _) if pattern in {"*", "{tenant}", "{project}"}

segment_matches(pattern, segment) if pattern == segment

path_matches(pattern) if {
	count(pattern) == count(segments)
	every i, p in pattern {
		segment_matches(p, segments[i])
	}
}

public_route if {
	some r in public_routes
	r.method == http_request.method
	path_matches(r.path)
}

route := r if {
	some r in routes
	r.method == http_request.method
	path_matches(r.path)
}

path_tenant := segments[i] if route.path[i] == "{tenant}"

path_project := segments[i] if route.path[i] == "{project}"

# --- the token ---------------------------------------------------------------------------------
# As the gateway accepts it: Authorization: Bearer, the browser subprotocol
# openai-insecure-api-key.<key>, or ?api-key= on the WebSocket URL.

bearer := trim_space(substring(auth, 7, -1)) if {
	auth := request_headers.authorization
	lower(substring(auth, 0, 7)) == "bearer "
}

subprotocol_key := substring(p, 24, -1) if {
	some offered in split(request_headers["sec-websocket-protocol"], ",")
	p := trim_space(offered)
	startswith(p, "openai-insecure-api-key.")
}

raw_token := bearer if {
	bearer != ""
} else := subprotocol_key if {
	subprotocol_key != ""
} else := key if {
	key := input.parsed_query["api-key"][0]
	key != ""
}

client_secret if startswith(raw_token, "ek_")

jwt := substring(raw_token, 3, -1) if client_secret

jwt := raw_token if {
	raw_token
	not client_secret
}

verification := io.jwt.decode_verify(jwt, {
	"cert": json.marshal(data.avb.directory.jwks),
	"iss": issuer,
	"aud": audience,
	"time": time.now_ns(),
})

claims := verification[2] if verification[0]

# Why an unverified token failed: an expiry is worth telling the caller apart from a bad key.
expired if {
	not verification[0]
	[_, payload, _] := io.jwt.decode(jwt)
	payload.exp * 1000000000 <= time.now_ns()
}

revoked if data.avb.directory.revoked[claims.jti]

revoked if data.avb.directory.revoked[claims.parent]

platform_admin if claims.role == "platform_admin"

kind_mismatch if {
	client_secret
	token_kind != "client_secret"
}

kind_mismatch if {
	not client_secret
	token_kind == "client_secret"
}

token_kind := object.get(claims, "kind", "")

acting_tenant := claims.tenant if not platform_admin

acting_tenant := path_tenant if platform_admin

acting_tenant := "" if {
	platform_admin
	not path_tenant
}

tenant_record := data.avb.directory.tenants[acting_tenant]

# The directory's tier is current; the key's is what the tenant had when the key was made.
acting_tier := t if {
	t := tenant_record.tier
} else := t if {
	t := claims.tier
} else := ""

# --- allowed hours (UTC; start == end means all day; start > end wraps past midnight) --------

hour_now := time.clock([time.now_ns(), "UTC"])[0]

within_hours(hours) if hours.start == hours.end

within_hours(hours) if {
	hours.start < hours.end
	hour_now >= hours.start
	hour_now < hours.end
}

within_hours(hours) if {
	hours.start > hours.end
	hour_now >= hours.start
}

within_hours(hours) if {
	hours.start > hours.end
	hour_now < hours.end
}

outside_hours if {
	route.usage
	hours := tenant_record.allowed_hours_utc
	is_object(hours)
	not within_hours(hours)
}

# --- the first reason to refuse, in order ------------------------------------------------------

denial := refusal if not public_route

refusal := {"status": 404, "code": "unknown_route", "message": "No such route."} if {
	not route
} else := {"status": 401, "code": "missing_api_key", "message": "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."} if {
	not raw_token
} else := {"status": 401, "code": "expired_api_key", "message": "The API key has expired."} if {
	expired
} else := {"status": 401, "code": "invalid_api_key", "message": "Incorrect API key provided."} if {
	not claims
} else := {"status": 401, "code": "invalid_api_key", "message": "The API key's form does not match its kind."} if {
	kind_mismatch
} else := {"status": 401, "code": "revoked_api_key", "message": "The API key has been revoked."} if {
	revoked
} else := {"status": 403, "code": "client_secret_not_allowed", "message": "Client secrets can only open realtime sessions."} if {
	not token_kind in route.kinds
} else := {"status": 403, "code": "insufficient_role", "message": sprintf("The role '%s' may not call this route.", [claims.role])} if {
	not platform_admin
	not claims.role in route.roles
} else := {"status": 403, "code": "cross_tenant", "message": "The API key belongs to another tenant."} if {
	not platform_admin
	path_tenant != claims.tenant
} else := {"status": 403, "code": "cross_project", "message": "The API key is scoped to another project."} if {
	not platform_admin
	object.get(claims, "project", "") != ""
	path_project != claims.project
} else := {"status": 403, "code": "unknown_tenant", "message": "The tenant does not exist."} if {
	not platform_admin
	not tenant_record
} else := {"status": 403, "code": "tenant_suspended", "message": "The tenant is suspended."} if {
	not platform_admin
	tenant_record.status != "active"
} else := {"status": 403, "code": "outside_allowed_hours", "message": "The tenant may not use this route at this hour (UTC)."} if {
	not platform_admin
	outside_hours
}

# --- the result --------------------------------------------------------------------------------

client_identity_headers := [name | some name, _ in request_headers; startswith(name, "x-avb-")]

identity_headers := {} if public_route

identity_headers := {
	"x-avb-tenant": acting_tenant,
	"x-avb-project": object.get(claims, "project", ""),
	"x-avb-role": claims.role,
	"x-avb-tier": acting_tier,
	"x-avb-key-id": claims.jti,
	"x-avb-key-kind": token_kind,
} if not public_route

error_type(401) := "invalid_request_error"

error_type(403) := "permission_error"

error_type(404) := "invalid_request_error"

denied_headers(401) := {"content-type": "application/json", "www-authenticate": "Bearer"}

denied_headers(status) := {"content-type": "application/json"} if status != 401

allow := {
	"allowed": true,
	"headers": identity_headers,
	"request_headers_to_remove": client_identity_headers,
	"response_headers_to_add": {},
} if not denial

allow := {
	"allowed": false,
	"http_status": denial.status,
	"headers": denied_headers(denial.status),
	"body": json.marshal({"error": {
		"message": denial.message,
		"type": error_type(denial.status),
		"param": null,
		"code": denial.code,
	}}),
} if denial
