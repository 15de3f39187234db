"""Automatic dispatch (自动派单): category → team → the least-loaded qualified agent."""

from django.db.models import Count, Q

from helpdesk.models import CertificationStage, Membership, Role
from tickets.models import ACTIVE_STATUSES, Priority, Ticket

ROUTABLE_ROLES = (Role.AGENT, Role.TEAM_LEAD, Role.DEPARTMENT_HANDLER)


def needs_certified_agent(ticket: Ticket) -> bool:
    """Hard tickets never go to trainees (新手接难题 is to be avoided)."""
    tier = ticket.customer.effective_tier
    return (
        ticket.priority == Priority.URGENT
        or (tier is not None and tier.is_vip)
        or (ticket.category is not None and ticket.category.is_complaint)
    )


def pick_assignee(*, ticket: Ticket, senior_only: bool = False) -> Membership | None:
    """Within the ticket's team: members with the category's skill, certified ones only for
    hard tickets, fewest active tickets first (ties: longest-standing member). None if nobody
    qualifies — the ticket then waits in the team's unassigned queue. The member comes with
    its user, whose name the assignment's event records."""
    if ticket.team_id is None:
        return None
    candidates = ticket.team.members.filter(is_active=True, role__in=ROUTABLE_ROLES)
    skill_id = ticket.category.required_skill_id if ticket.category_id else None
    if skill_id:
        candidates = candidates.filter(skills=skill_id)
    if senior_only or needs_certified_agent(ticket):
        candidates = candidates.filter(certification_stage=CertificationStage.CERTIFIED)
    return (
        candidates.annotate(
            load=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=ACTIVE_STATUSES))
        )
        .order_by("load", "pk")
        .select_related("user")
        .first()
    )
