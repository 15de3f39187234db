"""Small builders for ticket tests, going through the services like the product does."""

from django_scopes import scope, scopes_disabled

from customers.models import Customer, Tier
from helpdesk.models import Skill
from tickets import services
from tickets.models import Category


def make_customer(tenant, *, email=None, tier_code=None, is_vip=False):
    """A new customer, Li Lei by default. Addresses are unique per tenant, so each further
    default customer of the tenant gets ``li.lei+<n>@example.test``."""
    if email is None:
        email = _unused_default_email(tenant)
    tier = None
    if tier_code:
        tier = Tier.objects.get_or_create(
            tenant=tenant, code=tier_code, defaults={"name": tier_code.title(), "is_vip": is_vip}
        )[0]
    return Customer.objects.create(tenant=tenant, name="Li Lei", email=email, tier=tier)


def _unused_default_email(tenant) -> str:
    with scopes_disabled():  # some callers have no scope open; the tenant filter is explicit
        taken = Customer.objects.filter(tenant=tenant, email__startswith="li.lei").count()
    return f"li.lei+{taken}@example.test" if taken else "li.lei@example.test"


def make_category(tenant, *, name="Repair", team=None, skill_name=None, is_complaint=False):
    skill = Skill.objects.get_or_create(tenant=tenant, name=skill_name)[0] if skill_name else None
    return Category.objects.create(
        tenant=tenant, name=name, team=team, required_skill=skill, is_complaint=is_complaint
    )


def make_ticket(tenant, *, customer=None, **kwargs):
    customer = customer or make_customer(tenant)
    kwargs.setdefault("subject", "Washer leaks")
    return services.ticket_create(tenant=tenant, customer=customer, **kwargs)


def properties_of(ticket, **changes) -> dict:
    """The properties form as the page shows it, with ``changes`` typed over it."""
    with scope(tenant=ticket.tenant):
        tags = ", ".join(ticket.tags.values_list("name", flat=True))
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category_id or "",
        "team": ticket.team_id or "",
        "assignee": ticket.assignee_id or "",
        "tags": tags,
        "serial": "",
        **changes,
    }
