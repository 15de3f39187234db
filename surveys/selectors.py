"""Reads of surveys and follow-ups: fetch-and-authorize, the agent's board, the ticket panel.

Precondition for all of them: the tenant scope is active.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from customers.models import Customer
from helpdesk.models import Membership
from tickets.models import Ticket
from tickets.selectors import ticket_get_for_member, tickets_visible_to

from . import tokens
from .models import FollowUp, FollowUpStatus, SurveyInvitation, SurveyResponse


def invitation_for_token(*, token: str) -> SurveyInvitation | None:
    """The active tenant's invitation for this token, or None (forged, or another tenant's:
    the scope leaves only this tenant's rows, and the token is bound to its tenant)."""
    if not tokens.looks_like_token(token):
        return None
    return (
        SurveyInvitation.objects.select_related("ticket__customer", "customer", "tenant")
        .filter(token_hash=tokens.hash_token(token))
        .first()
    )


def response_for(invitation: SurveyInvitation) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(invitation=invitation).first()


def follow_up_get_for_member(*, member: Membership, number: int, pk: int) -> FollowUp:
    """A follow-up fetched through its ticket, so the ticket's access check applies; else 404."""
    ticket = ticket_get_for_member(member=member, number=number)
    follow_up = (
        ticket.follow_ups.select_related("ticket", "customer", "assignee__user")
        .filter(pk=pk)
        .first()
    )
    if follow_up is None:
        raise Http404
    return follow_up


def _with_rows(follow_ups: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    return follow_ups.select_related("ticket", "customer__tier", "assignee__user", "response")


@dataclass(frozen=True)
class FollowUpBoard:
    overdue: list[FollowUp]
    due_today: list[FollowUp]
    upcoming: list[FollowUp]
    recent: list[FollowUp]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.upcoming)


def _end_of_today(now: datetime, zone: str) -> datetime:
    local = timezone.localtime(now, zoneinfo.ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def follow_up_board(*, member: Membership, now: datetime | None = None) -> FollowUpBoard:
    """ "My follow-ups": pending ones split into overdue / due today (tenant's day) / upcoming,
    and the last ones recorded. Two queries whatever the number of rows."""
    now = now or timezone.now()
    end_of_today = _end_of_today(now, member.tenant.time_zone)
    pending = list(
        _with_rows(FollowUp.objects.filter(assignee=member, status=FollowUpStatus.PENDING))
    )
    recent = _with_rows(FollowUp.objects.filter(assignee=member).exclude(status="pending"))
    return FollowUpBoard(
        overdue=[f for f in pending if f.due_at <= now],
        due_today=[f for f in pending if now < f.due_at < end_of_today],
        upcoming=[f for f in pending if f.due_at >= end_of_today],
        recent=list(recent.order_by("-done_at", "-pk")[:10]),
    )


@dataclass(frozen=True)
class SurveyPanel:
    """What the ticket page shows of surveys: invitations with their answers, follow-ups."""

    invitations: list[SurveyInvitation]
    follow_ups: list[FollowUp]


def survey_panel_for_ticket(*, ticket: Ticket) -> SurveyPanel:
    invitations = ticket.survey_invitations.select_related("response").order_by("-created_at")
    follow_ups = _with_rows(ticket.follow_ups.all()).order_by("status", "due_at", "pk")
    return SurveyPanel(invitations=list(invitations), follow_ups=list(follow_ups))


def customer_survey_history(*, customer: Customer) -> dict[str, list]:
    """For the customer profile: the customer's survey answers and follow-ups, newest first."""
    responses = SurveyResponse.objects.filter(invitation__customer=customer).select_related(
        "ticket", "agent__user"
    )
    follow_ups = _with_rows(FollowUp.objects.filter(customer=customer)).order_by("-due_at")
    return {"responses": list(responses), "follow_ups": list(follow_ups)}


def customer_latest_scores(*, customer: Customer, limit: int = 5) -> list[SurveyResponse]:
    """The customer's latest survey answers with their tickets, newest first (one query)."""
    responses = SurveyResponse.objects.filter(invitation__customer=customer)
    return list(responses.select_related("ticket").order_by("-created_at", "-pk")[:limit])


def invitations_open_for_customer(
    *, customer: Customer, now: datetime | None = None
) -> list[SurveyInvitation]:
    """Unanswered, unexpired invitations (for the customer portal; build each link with
    ``surveys.services.invitation_path``)."""
    return list(
        SurveyInvitation.objects.filter(
            customer=customer, expires_at__gt=now or timezone.now(), response__isnull=True
        ).select_related("ticket")
    )


# --- the API: rows of the tickets the member may open ----------------------------------------


def survey_responses_for_api(*, member: Membership) -> QuerySet[SurveyResponse]:
    """Answers on the tickets the member may open (as the ticket page shows them), with the
    ticket and the invitation (for the customer) joined: a constant number of queries a page."""
    visible = tickets_visible_to(member).values("pk")
    return SurveyResponse.objects.filter(ticket__in=visible).select_related("ticket", "invitation")


def survey_response_get_for_api(*, member: Membership, pk: int) -> SurveyResponse:
    """One answer on a ticket the member may open, else 404."""
    response = survey_responses_for_api(member=member).filter(pk=pk).first()
    if response is None:
        raise Http404
    return response


def follow_ups_for_api(*, member: Membership) -> QuerySet[FollowUp]:
    """Follow-ups of the tickets the member may open (the ticket page's panel, tenant-wide),
    with the ticket and the assignee joined."""
    visible = tickets_visible_to(member).values("pk")
    return FollowUp.objects.filter(ticket__in=visible).select_related("ticket", "assignee__user")


def follow_up_get_for_api(*, member: Membership, pk: int) -> FollowUp:
    """One follow-up of a ticket the member may open, else 404."""
    follow_up = follow_ups_for_api(member=member).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    return follow_up
