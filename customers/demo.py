"""Demo customers of every tier."""

from helpdesk.models import Tenant

from .defaults import seed_tiers
from .models import Customer

CUSTOMERS = (
    ("Huang Lei 黄磊", "huang.lei@example.cn", "vip", "Complained about late delivery before."),
    ("Ma Li 马丽", "ma.li@example.cn", "important", ""),
    ("Tom Baker", "tom.baker@example.com", "regular", "Price-sensitive."),
    ("Xu Ying 徐莹", "xu.ying@example.cn", "regular", ""),
    ("Ana Costa", "ana.costa@example.com", "potential", ""),
)


def seed_customers(tenant: Tenant) -> list[Customer]:
    tiers = seed_tiers(tenant)
    customers = []
    for name, email, tier, key_info in CUSTOMERS:
        customer = Customer.objects.filter(email=email).first() or Customer.objects.create(
            tenant=tenant, name=name, email=email, tier=tiers[tier], key_info=key_info
        )
        customers.append(customer)
    return customers
