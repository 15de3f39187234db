"""Demo tiers and customers of every tier."""

from helpdesk.models import Tenant

from .models import Customer, Tier

TIERS = (
    # code, name, rank, colour, priority service
    ("vip", "VIP", 10, "#b45309", True),
    ("important", "Important 重要", 20, "#7c3aed", True),
    ("regular", "Regular 常规", 30, "#2563eb", False),
    ("potential", "Potential 潜在", 40, "#6b7280", False),
)

CUSTOMERS = (
    ("Huang Lei 黄磊", "huang.lei@example.cn", "vip", "Complained about late delivery before."),
    ("Ma Li 马丽", "ma.li@example.cn", "important", ""),
    ("Tom Baker", "tom.baker@example.com", "regular", "Price-sensitive."),
    ("Xu Ying 徐莹", "xu.ying@example.cn", "regular", ""),
    ("Ana Costa", "ana.costa@example.com", "potential", ""),
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


def seed_customers(tenant: Tenant) -> list[Customer]:
    tiers = seed_tiers(tenant)
    customers = []
    for name, email, tier, key_info in CUSTOMERS:
        customer = Customer.objects.filter(email=email).first() or Customer.objects.create(
            tenant=tenant, name=name, email=email, tier=tiers[tier], key_info=key_info
        )
        customers.append(customer)
    return customers
