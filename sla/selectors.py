"""Reads of the SLA engine for pages."""

from django.http import Http404
from django.utils import timezone

from customers.models import Customer
from tickets.models import Ticket

from . import deadlines as dl
from .models import Calendar, SlaPolicy
from .services import policy_for, schedule_for, targets_of


def policy_get(*, pk: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


def calendar_get(*, pk: int) -> Calendar:
    calendar = Calendar.objects.filter(pk=pk).first()
    if calendar is None:
        raise Http404
    return calendar


def sla_preview(
    *, tenant, priority: str, tier, category
) -> tuple[SlaPolicy | None, dl.Deadlines | None]:
    """Which policy a ticket created now with these fields gets, and its due times."""
    customer = Customer(tenant=tenant, tier=tier)
    ticket = Ticket(
        tenant=tenant,
        priority=priority,
        category=category,
        customer=customer,
        created_at=timezone.now(),
    )
    policy = policy_for(ticket)
    if policy is None:
        return None, None
    clock = dl.Clock(created_at=ticket.created_at)
    return policy, dl.compute(targets_of(policy), schedule_for(policy.calendar), clock)
