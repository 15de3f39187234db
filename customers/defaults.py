"""The customer tiers every tenant starts with (客户分层, seed 000)."""

from helpdesk.models import Tenant

from .models import Tier

TIERS = (
    # code, name, rank, colour, priority service
    ("vip", "VIP", 10, "#b45309", True),
    ("important", "Important 重要", 20, "#7c3aed", True),
    ("regular", "Regular 常规", 30, "#2563eb", False),
    ("potential", "Potential 潜在", 40, "#6b7280", False),
)


def seed_tiers(tenant: Tenant) -> dict[str, Tier]:
    """Precondition: the tenant's scope is active. Idempotent."""
    return {
        code: Tier.objects.get_or_create(
            tenant=tenant,
            code=code,
            defaults={"name": name, "rank": rank, "colour": colour, "is_vip": vip},
        )[0]
        for code, name, rank, colour, vip in TIERS
    }
