package avb.session_test

import rego.v1

import data.avb.session

directory := {"tenants": {
	"acme": {
		"tier": "pro", "status": "active",
		"allowed_voices": ["marin", "alloy", "not-in-tier"],
		"blocked_tools": ["delete_account"],
		"allowed_output_modalities": ["text"],
		"limit_overrides": {"concurrent_sessions": 3, "made_up_limit": 9},
	},
	"globex": {"tier": "free", "status": "active"},
	"big": {"tier": "enterprise", "status": "active", "allowed_voices": ["custom-voice"]},
	"sleepy": {"tier": "free", "status": "suspended"},
	"odd": {"tier": "platinum", "status": "active"},
}}

tiers := {
	"free": {"voices": ["alloy"], "output_modalities": ["text", "audio"], "blocked_tools": ["web_search"], "limits": {"responses_per_minute": 20, "tokens_per_minute": 20000, "concurrent_sessions": 2, "audio_minutes_per_day": 30}},
	"pro": {"voices": ["alloy", "ash", "marin"], "output_modalities": ["text", "audio"], "blocked_tools": [], "limits": {"responses_per_minute": 300, "tokens_per_minute": 200000, "concurrent_sessions": 20, "audio_minutes_per_day": 1440}},
	"enterprise": {"voices": ["*"], "output_modalities": ["text", "audio"], "blocked_tools": [], "limits": {"responses_per_minute": 1, "tokens_per_minute": 1, "concurrent_sessions": 1, "audio_minutes_per_day": 1}},
}

decide(tenant) := d if {
	d := session.decision with input as {"tenant": tenant}
		with data.avb.directory as directory
		with data.avb.tiers as tiers
}

test_tenant_narrows_its_tier if {
	d := decide("acme")
	d.allowed
	d.tier == "pro"
	d.voices == ["alloy", "marin"]
	d.output_modalities == ["text"]
	d.blocked_tools == ["delete_account"]
}

test_overrides_replace_only_known_limits if {
	d := decide("acme")
	d.limits == {"responses_per_minute": 300, "tokens_per_minute": 200000, "concurrent_sessions": 3, "audio_minutes_per_day": 1440}
}

test_tier_defaults_apply_without_tenant_lists if {
	d := decide("globex")
	d.voices == ["alloy"]
	d.output_modalities == ["text", "audio"]
	d.blocked_tools == ["web_search"]
	d.limits.concurrent_sessions == 2
}

test_wildcard_tier_accepts_the_tenant_list if {
	decide("big").voices == ["custom-voice"]
}

test_suspended_tenant_is_not_allowed if {
	d := decide("sleepy")
	not d.allowed
	d.reason == "tenant_suspended"
}

test_unknown_tenant_and_tier if {
	u := decide("ghost")
	not u.allowed
	u.reason == "unknown_tenant"
	u.limits == {}
	t := decide("odd")
	not t.allowed
	t.reason == "unknown_tier"
}

test_checked_in_tiers_define_every_limit if {
	count(data.avb.tiers) == 3
	every name, t in data.avb.tiers {
		object.keys(t.limits) == {"responses_per_minute", "tokens_per_minute", "concurrent_sessions", "audio_minutes_per_day"}
		count(t.voices) > 0
		name != ""
	}
}

test_revision_names_every_bundle if {
	r := session.revision with data.system.bundles as {
		"tenants": {"manifest": {"revision": "7-abc"}},
		"policy": {"manifest": {"revision": "p1"}},
	}
	r == "policy=p1,tenants=7-abc"
	decide("acme").revision == ""
}

test_published_tier_values_replace_the_defaults if {
	d := session.decision with input as {"tenant": "globex"}
		with data.avb.directory as object.union(directory, {"tiers": {"free": object.union(tiers.free, {"voices": ["ash"]})}})
		with data.avb.tiers as tiers
	d.voices == ["ash"]
}
