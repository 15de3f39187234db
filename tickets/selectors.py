"""Reads of tickets: fetch-and-authorize, queues, the ticket page."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from helpdesk.models import Membership, Role

from .models import ACTIVE_STATUSES, Attachment, Message, Status, Ticket, TicketEvent

# Roles that see every ticket of the tenant; the others see their teams' and their own.
TENANT_WIDE_ROLES = (Role.ADMIN, Role.MANAGER, Role.QUALITY_SUPERVISOR, Role.TEAM_LEAD)

QUEUES = ("mine", "unassigned", "team", "open", "pending", "resolved", "all")


def tickets_visible_to(member: Membership) -> QuerySet[Ticket]:
    """Tickets this member may open. Precondition: the tenant scope is active."""
    tickets = Ticket.objects.all()
    if member.role in TENANT_WIDE_ROLES:
        return tickets
    team_ids = list(member.teams.values_list("pk", flat=True))
    return tickets.filter(Q(assignee=member) | Q(team_id__in=team_ids) | Q(team__isnull=True))


def ticket_get_for_member(*, member: Membership, number: int) -> Ticket:
    """The ticket with this per-tenant number if the member may see it, else 404."""
    ticket = (
        tickets_visible_to(member)
        .select_related("customer__tier", "category", "assignee__user", "team__lead__user")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def attachment_get_for_member(*, member: Membership, number: int, pk: int) -> Attachment:
    """An attachment, fetched through its ticket so the same access check applies."""
    ticket = ticket_get_for_member(member=member, number=number)
    attachment = Attachment.objects.filter(message__ticket=ticket, pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    priority: str = ""
    category: int | None = None
    team: int | None = None
    assignee: int | None = None
    tier: int | None = None
    channel: str = ""
    q: str = ""
    sort: str = "-created_at"


SORTS = {
    "-created_at": ("-created_at", "-pk"),
    "created_at": ("created_at", "pk"),
    "-updated_at": ("-updated_at", "-pk"),
    "number": ("number",),
    "-number": ("-number",),
}


def ticket_queue(*, member: Membership, queue: str, filters: QueueFilters) -> QuerySet[Ticket]:
    """One queue view with its filters, rows ready to render (constant number of queries)."""
    tickets = tickets_visible_to(member)
    tickets = _apply_queue(tickets, member, queue)
    tickets = _apply_filters(tickets, filters)
    return tickets.select_related("customer__tier", "category", "assignee__user", "team").order_by(
        *SORTS.get(filters.sort, SORTS["-created_at"])
    )


def _apply_queue(tickets: QuerySet[Ticket], member: Membership, queue: str) -> QuerySet[Ticket]:
    if queue == "mine":
        return tickets.filter(assignee=member, status__in=ACTIVE_STATUSES)
    if queue == "unassigned":
        return tickets.filter(assignee__isnull=True, status__in=ACTIVE_STATUSES)
    if queue == "team":
        team_ids = list(member.teams.values_list("pk", flat=True))
        return tickets.filter(team_id__in=team_ids, status__in=ACTIVE_STATUSES)
    if queue == "open":
        return tickets.filter(status__in=ACTIVE_STATUSES)
    if queue == "pending":
        return tickets.filter(status=Status.PENDING)
    if queue == "resolved":
        return tickets.filter(status=Status.RESOLVED)
    return tickets


def _apply_filters(tickets: QuerySet[Ticket], f: QueueFilters) -> QuerySet[Ticket]:
    exact = {
        "status": f.status,
        "priority": f.priority,
        "category_id": f.category,
        "team_id": f.team,
        "assignee_id": f.assignee,
        "customer__tier_id": f.tier,
        "channel": f.channel,
    }
    tickets = tickets.filter(**{k: v for k, v in exact.items() if v})
    query = f.q.strip()
    if query:
        match = Q(subject__icontains=query) | Q(customer__email__iexact=query)
        if query.lstrip("#").isdigit():
            match |= Q(number=int(query.lstrip("#")))
        tickets = tickets.filter(match)
    return tickets


def ticket_thread(*, ticket: Ticket, include_internal: bool) -> list[Message]:
    messages = ticket.messages.select_related(
        "author_member__user", "author_customer"
    ).prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    if not include_internal:
        messages = messages.filter(kind="public")
    return list(messages)


def ticket_history(*, ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.order_by("created_at", "pk"))
