# The in-session policy: what a tenant's sessions may use. The gateway asks for `decision` through
# OPA's data API and caches it for 60 s; `revision` tells it when to drop the cache early.
# Tier defaults come from policies/data (data.avb.tiers); the tenants data bundle
# (data.avb.directory) carries each tenant's own restrictions and limit overrides.
package avb.session

import rego.v1

tenant_record := data.avb.directory.tenants[input.tenant]

tier_name := tenant_record.tier

# The tenants service may publish tier values (data.avb.directory.tiers) that replace the Git
# defaults, so an operator can retune a tier without a policy release.
tier := t if {
	t := data.avb.directory.tiers[tier_name]
} else := data.avb.tiers[tier_name]

# A tenant's list narrows its tier's; an empty or missing list means "what the tier allows".
narrowed(tier_list, tenant_list) := tier_list if count(tenant_list) == 0

narrowed(tier_list, tenant_list) := sort(tenant_list) if {
	count(tenant_list) > 0
	"*" in tier_list
}

narrowed(tier_list, tenant_list) := sort([v | some v in tenant_list; v in tier_list]) if {
	count(tenant_list) > 0
	not "*" in tier_list
}

voices := narrowed(tier.voices, object.get(tenant_record, "allowed_voices", []))

output_modalities := narrowed(tier.output_modalities, object.get(tenant_record, "allowed_output_modalities", []))

blocked_tools := sort({t | some t in tier.blocked_tools} | {t | some t in object.get(tenant_record, "blocked_tools", [])})

# Overrides replace tier values only for limits the tier defines: a typo cannot add a limit.
limits := object.union(tier.limits, object.filter(object.get(tenant_record, "limit_overrides", {}), object.keys(tier.limits)))

# The bundles this decision was made with, e.g. "policy=abc,tenants=42-…".
default revision := ""

revision := concat(",", sort([sprintf("%s=%s", [name, b.manifest.revision]) |
	some name, b in data.system.bundles
]))

reason := "tenant_suspended" if tenant_record.status != "active"

reason := "" if tenant_record.status == "active"

decision := {
	"allowed": tenant_record.status == "active",
	"reason": reason,
	"tier": tier_name,
	"voices": voices,
	"output_modalities": output_modalities,
	"blocked_tools": blocked_tools,
	"limits": limits,
	"revision": revision,
} if tier

decision := {
	"allowed": false,
	"reason": reason_unknown,
	"tier": "",
	"voices": [],
	"output_modalities": [],
	"blocked_tools": [],
	"limits": {},
	"revision": revision,
} if not tier

reason_unknown := "unknown_tenant" if not tenant_record

reason_unknown := "unknown_tier" if {
	tenant_record
	not tier
}
