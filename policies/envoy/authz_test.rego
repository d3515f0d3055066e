package envoy.authz_test

import rego.v1

import data.envoy.authz

# A P-256 key made for these tests only: it signs nothing outside them.
fixture_key := `{"kty":"EC","crv":"P-256","kid":"test-1","alg":"ES256","use":"sig","x":"lbcGctbVOhbZXy8t9V8PAswvFeKe170mW8j7J34ny9g","y":"OmLTBbgs1wIfhyZYKy-2hZu7LXqTvFQzM1GRyr5RhYg","d":"ZPpwwZYMBSJWeJLc2Di6fM3wfmmeTVOhwpEbzbQtOcc"}`

public_jwk := object.remove(json.unmarshal(fixture_key), ["d"])

# 2026-01-01T12:00:00Z
now := 1767268800000000000

now_s := now / 1000000000

directory := {
	"jwks": {"keys": [public_jwk]},
	"revoked": {"key_revoked": now_s + 3600},
	"tenants": {
		"acme": {"tier": "pro", "status": "active", "allowed_hours_utc": null},
		"globex": {"tier": "free", "status": "active", "allowed_hours_utc": null},
		"sleepy": {"tier": "free", "status": "suspended", "allowed_hours_utc": null},
		"office": {"tier": "free", "status": "active", "allowed_hours_utc": {"start": 8, "end": 11}},
		"nightly": {"tier": "free", "status": "active", "allowed_hours_utc": {"start": 22, "end": 13}},
	},
}

sign(claims) := io.jwt.encode_sign(
	{"typ": "JWT", "alg": "ES256", "kid": "test-1"}, object.union(
		{"iss": "avb-tenants", "aud": "agentvoicebox", "iat": now_s, "exp": now_s + 3600, "kind": "api_key"},
		claims,
	),
	json.unmarshal(fixture_key),
)

key(tenant, role) := sign({"tenant": tenant, "role": role, "tier": "pro", "jti": sprintf("key_%s_%s", [tenant, role])})

platform_key := sign({"role": "platform_admin", "jti": "key_platform"})

request(method, path, headers) := {
	"attributes": {"request": {"http": {"method": method, "path": path, "headers": headers}}},
	"parsed_path": [s | some s in split(split(path, "?")[0], "/"); s != ""],
	"parsed_query": {},
}

bearer(token) := {"authorization": sprintf("Bearer %s", [token])}

decide(method, path, headers) := r if {
	r := authz.allow with input as request(method, path, headers)
		with data.avb.directory as directory
		with time.now_ns as now
}

error_code(result) := json.unmarshal(result.body).error.code

test_public_route_needs_no_key_and_drops_client_identity if {
	r := decide("GET", "/.well-known/jwks.json", {"x-avb-tenant": "acme"})
	r.allowed
	r.headers == {}
	r.request_headers_to_remove == ["x-avb-tenant"]
}

test_unknown_route_is_404 if {
	r := decide("GET", "/v1/admin/secrets", bearer(key("acme", "admin")))
	not r.allowed
	r.http_status == 404
	error_code(r) == "unknown_route"
}

test_missing_key_is_401_with_challenge if {
	r := decide("GET", "/v1/realtime", {})
	r.http_status == 401
	r.headers["www-authenticate"] == "Bearer"
	error_code(r) == "missing_api_key"
	json.unmarshal(r.body).error.type == "invalid_request_error"
}

test_user_opens_realtime_with_identity_injected_and_spoofing_stripped if {
	headers := object.union(bearer(key("acme", "user")), {"x-avb-tenant": "globex", "x-avb-role": "admin"})
	r := decide("GET", "/v1/realtime?model=gpt-realtime", headers)
	r.allowed
	r.headers["x-avb-tenant"] == "acme"
	r.headers["x-avb-role"] == "user"
	r.headers["x-avb-tier"] == "pro"
	r.headers["x-avb-project"] == ""
	r.headers["x-avb-key-id"] == "key_acme_user"
	r.headers["x-avb-key-kind"] == "api_key"
	{h | some h in r.request_headers_to_remove} == {"x-avb-tenant", "x-avb-role"}
}

test_tier_comes_from_the_directory_not_the_key if {
	r := decide("GET", "/v1/realtime", bearer(key("globex", "user")))
	r.headers["x-avb-tier"] == "free"
}

test_signature_by_another_key_is_refused if {
	[h, p, _] := split(key("acme", "admin"), ".")
	other := split(key("globex", "admin"), ".")[2]
	r := decide("GET", "/v1/realtime", bearer(concat(".", [h, p, other])))
	r.http_status == 401
	error_code(r) == "invalid_api_key"
}

test_garbage_key_is_refused if {
	r := decide("GET", "/v1/realtime", bearer("sk-not-a-jwt"))
	r.http_status == 401
	error_code(r) == "invalid_api_key"
}

test_expired_key_is_refused_as_expired if {
	token := sign({"tenant": "acme", "role": "user", "jti": "key_old", "exp": now_s - 1})
	r := decide("GET", "/v1/realtime", bearer(token))
	r.http_status == 401
	error_code(r) == "expired_api_key"
}

test_wrong_issuer_is_refused if {
	token := sign({"tenant": "acme", "role": "user", "jti": "key_x", "iss": "someone-else"})
	error_code(decide("GET", "/v1/realtime", bearer(token))) == "invalid_api_key"
}

test_revoked_key_is_refused if {
	token := sign({"tenant": "acme", "role": "admin", "jti": "key_revoked"})
	r := decide("GET", "/v1/tenants/acme/keys", bearer(token))
	r.http_status == 401
	error_code(r) == "revoked_api_key"
}

test_readonly_reads_sessions_and_keys_but_cannot_open_realtime if {
	decide("GET", "/v1/realtime/sessions", bearer(key("acme", "readonly"))).allowed
	decide("GET", "/v1/tenants/acme/keys", bearer(key("acme", "readonly"))).allowed
	r := decide("GET", "/v1/realtime", bearer(key("acme", "readonly")))
	r.http_status == 403
	error_code(r) == "insufficient_role"
	json.unmarshal(r.body).error.type == "permission_error"
	not decide("POST", "/v1/tenants/acme/keys", bearer(key("acme", "readonly"))).allowed
}

test_user_cannot_manage_keys if {
	error_code(decide("POST", "/v1/tenants/acme/keys", bearer(key("acme", "user")))) == "insufficient_role"
	error_code(decide("DELETE", "/v1/tenants/acme/keys/key_1", bearer(key("acme", "user")))) == "insufficient_role"
}

test_cross_tenant_access_is_refused if {
	r := decide("GET", "/v1/tenants/globex/keys", bearer(key("acme", "admin")))
	r.http_status == 403
	error_code(r) == "cross_tenant"
}

test_tenant_admin_manages_its_own_keys if {
	decide("POST", "/v1/tenants/acme/keys", bearer(key("acme", "admin"))).allowed
	decide("DELETE", "/v1/tenants/acme/keys/key_1", bearer(key("acme", "admin"))).allowed
	decide("PATCH", "/v1/tenants/acme", bearer(key("acme", "admin"))).allowed
}

test_only_a_platform_admin_creates_and_lists_tenants if {
	decide("POST", "/v1/tenants", bearer(platform_key)).allowed
	decide("GET", "/v1/tenants", bearer(platform_key)).allowed
	error_code(decide("POST", "/v1/tenants", bearer(key("acme", "admin")))) == "insufficient_role"
	error_code(decide("GET", "/v1/tenants", bearer(key("acme", "admin")))) == "insufficient_role"
}

test_platform_admin_acts_on_any_tenant_even_suspended if {
	r := decide("GET", "/v1/tenants/sleepy", bearer(platform_key))
	r.allowed
	r.headers["x-avb-tenant"] == "sleepy"
	r.headers["x-avb-role"] == "platform_admin"
	p := decide("POST", "/v1/tenants", bearer(platform_key))
	p.headers["x-avb-tenant"] == ""
}

test_project_scoped_key_sees_only_its_project if {
	token := sign({"tenant": "acme", "project": "web", "role": "user", "jti": "key_web"})
	r := decide("GET", "/v1/tenants/acme/projects/web", bearer(token))
	r.allowed
	r.headers["x-avb-project"] == "web"
	error_code(decide("GET", "/v1/tenants/acme/projects/mobile", bearer(token))) == "cross_project"
}

test_suspended_tenant_is_refused if {
	r := decide("GET", "/v1/realtime", bearer(key("sleepy", "user")))
	r.http_status == 403
	error_code(r) == "tenant_suspended"
}

test_unknown_tenant_is_refused if {
	error_code(decide("GET", "/v1/realtime", bearer(key("ghost", "user")))) == "unknown_tenant"
}

test_allowed_hours if {
	# 12:00 UTC: outside 08-11, inside the wrapping 22-13 window
	error_code(decide("GET", "/v1/realtime", bearer(key("office", "user")))) == "outside_allowed_hours"
	decide("GET", "/v1/realtime", bearer(key("nightly", "user"))).allowed

	# non-usage routes stay open, so an admin can still fix the settings
	decide("GET", "/v1/tenants/office", bearer(key("office", "admin"))).allowed
}

test_allowed_hours_inside_and_wrapped if {
	ten := now + ((10 * 3600) * 1000000000)
	r := authz.allow with input as request("GET", "/v1/realtime", bearer(key("office", "user")))
		with data.avb.directory as directory
		with time.now_ns as now - ((2 * 3600) * 1000000000)
	r.allowed
	day_key := sign({"tenant": "nightly", "role": "user", "jti": "key_day", "exp": now_s + 86400})
	w := authz.allow with input as request("GET", "/v1/realtime", bearer(day_key))
		with data.avb.directory as directory
		with time.now_ns as ten
	w.allowed
	all_day := authz.allow with input as request("GET", "/v1/realtime", bearer(key("office", "user")))
		with data.avb.directory as json.patch(directory, [{"op": "replace", "path": "/tenants/office/allowed_hours_utc", "value": {"start": 0, "end": 0}}])
		with time.now_ns as now
	all_day.allowed
}

test_client_secret_opens_realtime_only if {
	secret := concat("", ["ek_", sign({"tenant": "acme", "role": "user", "jti": "ek_1", "parent": "key_acme_user", "kind": "client_secret"})])
	r := decide("GET", "/v1/realtime", bearer(secret))
	r.allowed
	r.headers["x-avb-key-kind"] == "client_secret"
	error_code(decide("POST", "/v1/realtime/client_secrets", bearer(secret))) == "client_secret_not_allowed"
}

test_client_secret_of_a_revoked_key_is_refused if {
	secret := concat("", ["ek_", sign({"tenant": "acme", "role": "user", "jti": "ek_2", "parent": "key_revoked", "kind": "client_secret"})])
	error_code(decide("GET", "/v1/realtime", bearer(secret))) == "revoked_api_key"
}

test_kind_must_match_the_form if {
	unprefixed := sign({"tenant": "acme", "role": "user", "jti": "ek_3", "kind": "client_secret"})
	error_code(decide("GET", "/v1/realtime", bearer(unprefixed))) == "invalid_api_key"
	prefixed_key := concat("", ["ek_", key("acme", "user")])
	error_code(decide("GET", "/v1/realtime", bearer(prefixed_key))) == "invalid_api_key"
}

test_browser_subprotocol_key if {
	headers := {"sec-websocket-protocol": sprintf("realtime, openai-insecure-api-key.%s", [key("acme", "user")])}
	r := decide("GET", "/v1/realtime", headers)
	r.allowed
	r.headers["x-avb-tenant"] == "acme"
}

test_query_api_key if {
	r := authz.allow with input as object.union(request("GET", "/v1/realtime", {}), {"parsed_query": {"api-key": [key("globex", "user")]}})
		with data.avb.directory as directory
		with time.now_ns as now
	r.allowed
	r.headers["x-avb-tenant"] == "globex"
}

test_no_directory_loaded_refuses_every_key if {
	r := authz.allow with input as request("GET", "/v1/realtime", bearer(key("acme", "user")))
		with time.now_ns as now
	r.http_status == 401
}
