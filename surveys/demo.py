"""Demo survey answers and follow-ups for acme: a lukewarm answer, a bad one (which opens
the lead's follow-up call and the 72 h improvement deadline), and a call scheduled by hand."""

from datetime import timedelta

from django.utils import timezone

from helpdesk.models import Membership, Tenant
from tickets.models import ACTIVE_STATUSES, Ticket

from .models import FollowUpChannel, SurveyInvitation, SurveyResponse
from .services import follow_up_schedule, survey_answer

# overall, response speed, resolution, professionalism, product, NPS, comment, not solved
ANSWERS = (
    (3, 4, 3, 4, 3, 8, "修好了，但等了两天。Fixed, but it took two days.", False),
    (2, 2, 3, 2, 4, 4, "Technician was rude and late. 技术员态度不好。", False),
)


def seed_surveys(tenant: Tenant, agent: Membership) -> None:
    """Idempotent: does nothing once the tenant has survey answers. Precondition: scope."""
    if SurveyResponse.objects.exists():
        return
    waiting = SurveyInvitation.objects.filter(response__isnull=True).order_by("created_at")
    for invitation, answer in zip(waiting, ANSWERS, strict=False):
        overall, speed, resolution, professionalism, product, nps, comment, not_solved = answer
        survey_answer(
            invitation=invitation,
            overall=overall,
            response_speed=speed,
            resolution=resolution,
            professionalism=professionalism,
            product=product,
            nps=nps,
            comment=comment,
            not_solved=not_solved,
        )
    open_ticket = Ticket.objects.filter(status__in=ACTIVE_STATUSES).order_by("number").first()
    if open_ticket is not None:
        follow_up_schedule(
            ticket=open_ticket,
            actor=agent,
            assignee=agent,
            due_at=timezone.now() + timedelta(hours=3),
            channel=FollowUpChannel.PHONE,
            notes="Call back after the visit to check the repair. 上门后回访确认维修效果。",
        )
