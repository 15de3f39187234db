"""Reads of quality spot checks (质检): the sample to score, and the checks a member may see."""

from django.db.models import QuerySet

from helpdesk.models import Membership
from tickets.models import Ticket

from .access import ReportAccess
from .kpis import KpiFilters, Period, ticket_filter_q
from .models import QualityCheck
from .services import CHECKABLE_STATUSES

MAX_SAMPLE = 50


def quality_sample(*, period: Period, filters: KpiFilters, size: int) -> list[Ticket]:
    """Up to ``size`` random tickets resolved (or closed) in the period that match the filters
    and have not been checked yet. Random order is a read: a fresh draw on every request."""
    candidates = (
        Ticket.objects.filter(
            ticket_filter_q(filters),
            status__in=CHECKABLE_STATUSES,
            resolved_at__gte=period.start_at,
            resolved_at__lt=period.end_at,
            quality_checks__isnull=True,
        )
        .select_related("assignee__user", "team", "category")
        .order_by("?")
    )
    return list(candidates[: max(1, min(size, MAX_SAMPLE))])


def checks_visible_to(access: ReportAccess) -> QuerySet[QualityCheck]:
    """Every check for tenant-wide roles; a lead's teams' checks; an agent's own."""
    checks = QualityCheck.objects.select_related("ticket", "agent__user", "supervisor__user")
    if access.agent is not None:
        return checks.filter(agent_id=access.agent)
    if access.teams is not None:
        return checks.filter(team_id__in=access.teams)
    return checks


def checks_of_agent(member: Membership) -> QuerySet[QualityCheck]:
    return QualityCheck.objects.filter(agent=member).select_related("ticket", "supervisor__user")
