"""Demo categories (REQUIREMENTS §1) and a spread of tickets in every status."""

from datetime import timedelta

from django.utils import timezone

from customers.models import Customer
from helpdesk.models import Membership, Skill, Team, Tenant
from products.models import Unit
from tickets import services
from tickets.models import Category, Status, Ticket

# name, team name (from helpdesk.demo), skill, complaint
CATEGORIES = (
    ("Repair 维修", "Repair 维修部", "家电维修", False),
    ("Technical consultation 技术咨询", "Technical support 技术支持", "技术咨询", False),
    ("Troubleshooting 故障排查", "Technical support 技术支持", "技术咨询", False),
    ("Upgrade 升级", "Technical support 技术支持", "软件升级", False),
    ("Warranty 保修", "Repair 维修部", "家电维修", False),
    ("Billing 账单", "Customer care 客服中心", "账单咨询", False),
    ("Complaint 投诉", "Customer care 客服中心", "投诉处理", True),
)

# subject, category index, priority, channel, status to walk to, hours ago
TICKETS = (
    ("Washing machine leaks water 洗衣机漏水", 0, "high", "phone", Status.OPEN, 2),
    ("How to descale the coffee machine?", 1, "normal", "web", Status.NEW, 1),
    ("空调不制冷 Air conditioner not cooling", 2, "urgent", "phone", Status.NEW, 0.3),
    ("Firmware update failed at 80 %", 3, "normal", "email", Status.PENDING, 20),
    ("保修期内更换压缩机 Compressor under warranty", 4, "normal", "web", Status.RESOLVED, 50),
    ("Charged twice for the extended warranty", 5, "high", "web", Status.OPEN, 5),
    ("技术员迟到两小时 Technician two hours late", 6, "high", "phone", Status.NEW, 0.5),
    ("Fridge makes a clicking noise", 0, "low", "web", Status.CLOSED, 200),
)


def seed_categories(tenant: Tenant) -> list[Category]:
    categories = []
    for name, team_name, skill_name, complaint in CATEGORIES:
        skill = Skill.objects.get_or_create(tenant=tenant, name=skill_name)[0]
        team = Team.objects.filter(name=team_name).first()
        categories.append(
            Category.objects.get_or_create(
                tenant=tenant,
                name=name,
                defaults={"team": team, "required_skill": skill, "is_complaint": complaint},
            )[0]
        )
    return categories


# Tickets (by position in TICKETS) about their customer's unit: the air conditioner that does
# not cool and the compressor replaced under warranty.
ABOUT_A_UNIT = frozenset({2, 4})


def seed_tickets(
    tenant: Tenant, customers: list[Customer], agent: Membership, units: list[Unit] = ()
) -> None:
    """Idempotent: does nothing once the tenant has tickets. ``units``: the customers' units,
    in the same order; a repair or warranty ticket names its customer's."""
    categories = seed_categories(tenant)
    if Ticket.objects.exists():
        return
    now = timezone.now()
    for i, (subject, category, priority, channel, status, hours) in enumerate(TICKETS):
        owner = i % len(customers)
        unit = units[owner] if i in ABOUT_A_UNIT and owner < len(units) else None
        ticket = services.ticket_create(
            tenant=tenant,
            customer=customers[owner],
            unit=unit,
            subject=subject,
            description=f"{subject}\n\nReported by the customer on the {channel} channel.",
            channel=channel,
            priority=priority,
            category=categories[category],
            created_at=now - timedelta(hours=hours),
            call_duration_seconds=180 if channel == "phone" else None,
            call_started_at=now - timedelta(hours=hours) if channel == "phone" else None,
        )
        _walk(ticket, status, ticket.assignee or agent)


def _walk(ticket: Ticket, status: str, actor: Membership) -> None:
    if status == Status.NEW:
        return
    services.ticket_reply(
        ticket=ticket, actor=actor, body="Thank you, we are on it. 已收到，正在处理。"
    )
    steps = {
        Status.OPEN: [],
        Status.PENDING: [Status.PENDING],
        Status.RESOLVED: [Status.RESOLVED],
        Status.CLOSED: [Status.RESOLVED, Status.CLOSED],
    }[status]
    for step in steps:
        services.ticket_change_status(ticket=ticket, actor=actor, status=step)
