"""Reads of tickets: fetch-and-authorize, queues, the ticket page."""

from dataclasses import dataclass

from django.db.models import Count, F, Model, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404

from customers import tokens
from customers.models import Customer
from helpdesk.models import Membership, Role, Tenant
from products.models import Unit
from products.selectors import unit_of_customer, units_of_customer
from tickets.directory import Directory
from tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    Message,
    MessageKind,
    SavedView,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

# Roles that see every ticket of the tenant; the others see their teams' and their own.
TENANT_WIDE_ROLES = (Role.ADMIN, Role.MANAGER, Role.QUALITY_SUPERVISOR, Role.TEAM_LEAD)

QUEUES = ("mine", "unassigned", "team", "breaching", "open", "pending", "resolved", "all")


def tickets_visible_to(member: Membership) -> QuerySet[Ticket]:
    """Tickets this member may open. Precondition: the tenant scope is active."""
    tickets = Ticket.objects.all()
    if member.role in TENANT_WIDE_ROLES:
        return tickets
    # The member's teams as a subquery: one round trip for the whole page, not two.
    team_ids = Membership.teams.through.objects.filter(membership=member).values("team_id")
    return tickets.filter(Q(assignee=member) | Q(team_id__in=team_ids) | Q(team__isnull=True))


def ticket_neighbour_number(*, member: Membership, number: int, later: bool) -> int | None:
    """The number of the next (``later``) or previous ticket this member may open that is
    not closed, for stepping through the desk from a ticket page. Scope active."""
    tickets = tickets_visible_to(member).exclude(status=Status.CLOSED)
    if later:
        tickets = tickets.filter(number__gt=number).order_by("number")
    else:
        tickets = tickets.filter(number__lt=number).order_by("-number")
    return tickets.values_list("number", flat=True).first()


def ticket_get_for_member(*, member: Membership, number: int) -> Ticket:
    """The ticket with this per-tenant number if the member may see it, else 404."""
    ticket = (
        tickets_visible_to(member)
        .select_related(
            "tenant",
            "customer__tier",
            "customer__organization__tier",
            "category",
            "assignee__user",
            "team__lead__user",
            "sla__contract__plan",
            "unit__product",
        )
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
    # Next SLA deadline first; tickets without one last.
    "deadline": (F("sla__next_deadline_at").asc(nulls_last=True), "pk"),
}


# The columns a queue row shows (``tickets.templatetags.queue``); the others (description,
# fault symptom, a dozen timestamps) are neither sent nor parsed: 25 rows cost a third less.
QUEUE_ROW_FIELDS = (
    *("number", "subject", "status", "priority", "created_at"),
    *("customer__name", "customer__email", "customer__tier__name", "customer__tier__colour"),
    *("category__name", "team_id", "assignee_id", "sla__colour", "sla__next_deadline_at"),
)


def ticket_queue(*, member: Membership, queue: str, filters: QueueFilters) -> QuerySet[Ticket]:
    """One queue view with its filters, rows ready to render in one query: customer, tier,
    category and SLA row joined; the team and assignee are named from the tenant's
    ``tickets.directory`` by ``team_id`` and ``assignee_id``.
    Rows carry only ``QUEUE_ROW_FIELDS``: reading another field costs a query per row."""
    tickets = tickets_visible_to(member).filter(queue_condition(member, queue))
    tickets = tickets.filter(filters_condition(filters))
    tickets = tickets.select_related("customer__tier", "category", "sla").only(*QUEUE_ROW_FIELDS)
    return tickets.order_by(*SORTS.get(filters.sort, SORTS["-created_at"]))


def queue_condition(member: Membership, queue: str) -> Q:
    """The tickets of one built-in queue, as a condition: a filter of the page, or a
    conditional count in the left rail (``queue_counts``)."""
    active = Q(status__in=ACTIVE_STATUSES)
    if queue == "mine":
        return active & Q(assignee=member)
    if queue == "unassigned":
        return active & Q(assignee__isnull=True)
    if queue == "team":
        # A subquery, so a count of this queue stays inside the one aggregate query.
        team_ids = Membership.teams.through.objects.filter(membership=member).values("team_id")
        return active & Q(team_id__in=team_ids)
    if queue == "breaching":
        # Amber or red: at risk or already late (红黄绿 board's warning lanes).
        return active & Q(sla__colour__in=("amber", "red"))
    if queue == "open":
        return active
    if queue == "pending":
        return Q(status=Status.PENDING)
    if queue == "resolved":
        return Q(status=Status.RESOLVED)
    return Q(pk__isnull=False)


def filters_condition(f: QueueFilters) -> Q:
    exact = {
        "status": f.status,
        "priority": f.priority,
        "category_id": f.category,
        "team_id": f.team,
        "assignee_id": f.assignee,
        "customer__tier_id": f.tier,
        "channel": f.channel,
    }
    condition = Q(**{k: v for k, v in exact.items() if v})
    query = f.q.strip()
    return condition & _search(query) if query else condition


def queue_counts(*, member: Membership, conditions: dict[str, Q]) -> dict[str, int]:
    """How many of the member's visible tickets meet each condition: one aggregate query
    with a conditional ``COUNT`` per key, whatever the number of conditions and tickets."""
    if not conditions:
        return {}
    counts = {f"n{index}": Count("pk", filter=q) for index, q in enumerate(conditions.values())}
    totals = tickets_visible_to(member).order_by().aggregate(**counts)
    return {key: totals[f"n{index}"] for index, key in enumerate(conditions)}


def saved_views_for(member: Membership) -> list[SavedView]:
    """The member's own views and those shared with one of the member's teams, in rail order.
    Precondition: the tenant scope is active."""
    team_ids = Membership.teams.through.objects.filter(membership=member).values("team_id")
    views = SavedView.objects.filter(Q(owner=member) | Q(shared_with_team_id__in=team_ids))
    return list(views.select_related("shared_with_team").order_by("position", "name", "pk"))


def saved_view_get_for_member(*, member: Membership, pk: int) -> SavedView:
    """A view the member may open (own, or shared with one of the member's teams), else 404."""
    view = next((v for v in saved_views_for(member) if v.pk == pk), None)
    if view is None:
        raise Http404
    return view


def saved_view_get_owned(*, member: Membership, pk: int) -> SavedView:
    """A view the member may change: only its owner may; anyone else gets a 404."""
    view = SavedView.objects.filter(owner=member, pk=pk).select_related("shared_with_team").first()
    if view is None:
        raise Http404
    return view


def _search(query: str) -> Q:
    """Subject contains the text, or it is the #number, or a customer's e-mail.

    Every branch is a condition on the ticket row itself (the e-mail is turned into customer
    ids first), so PostgreSQL combines the trigram, number and customer indexes (BitmapOr);
    an OR reaching into the joined customer table made it read every ticket of the tenant
    when the text is rare. Precondition: the tenant scope is active.
    """
    match = Q(subject__icontains=query)
    if query.lstrip("#").isdigit():
        match |= Q(number=int(query.lstrip("#")))
    # A customer's e-mail address always has an @ (EmailField), so other text skips the lookup.
    if "@" in query:
        customer_ids = Customer.objects.filter(email__iexact=query).values_list("pk", flat=True)
        match |= Q(customer_id__in=list(customer_ids))
    return match


def ticket_thread(*, ticket: Ticket, include_internal: bool) -> list[Message]:
    messages = ticket.messages.select_related(
        "author_member__user", "author_customer"
    ).prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    if not include_internal:
        messages = messages.filter(kind="public")
    return list(messages)


# Rows of each list in the ticket page's customer panel.
CUSTOMER_PANEL_ROWS = 5


@dataclass(frozen=True)
class CustomerPanel:
    open_tickets: list[Ticket]
    recent_tickets: list[Ticket]
    units: list[Unit]


def customer_panel_for_ticket(*, ticket: Ticket, member: Membership) -> CustomerPanel:
    """The customer's other tickets that this member may open (the active ones, then the
    latest others) and their units: three queries whatever their number."""
    others = (
        tickets_visible_to(member)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .only("number", "subject", "status", "created_at")
        .order_by("-created_at", "-pk")
    )
    rows = CUSTOMER_PANEL_ROWS
    return CustomerPanel(
        open_tickets=list(others.filter(status__in=ACTIVE_STATUSES)[:rows]),
        recent_tickets=list(others.exclude(status__in=ACTIVE_STATUSES)[:rows]),
        units=list(units_of_customer(customer=ticket.customer)[:rows]),
    )


@dataclass(frozen=True)
class ThreadView:
    """The conversation as the ticket page shows it: the latest messages open, the earlier
    ones folded, both lists in display order."""

    earlier: list[Message]
    latest: list[Message]


def thread_view(messages: list[Message], *, newest_first: bool, shown: int = 3) -> ThreadView:
    earlier, latest = messages[:-shown] if len(messages) > shown else [], messages[-shown:]
    if newest_first:
        return ThreadView(earlier=earlier[::-1], latest=latest[::-1])
    return ThreadView(earlier=earlier, latest=latest)


def ticket_history(*, ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.order_by("created_at", "pk"))


# --- API -----------------------------------------------------------------------------------------


def _api_prefetches() -> tuple:
    """What the API's ticket representation reads besides the joined relations, the team and
    the assignee: one query each, none when no row has one. The tags land in a plain list,
    ``ticket.tag_list``: prefetched into ``ticket.tags`` they cost a related manager and a
    ``filter()`` per row."""
    return ("sla__policy", "merged_into", _tags_prefetch())


def _tags_prefetch() -> Prefetch:
    return Prefetch("tags", queryset=Tag.objects.all(), to_attr="tag_list")


def _with_api_relations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What the API's ticket representation reads: customer, tier, category and SLA row
    joined; team and assignee in one small query each, then ``_api_prefetches``.

    With team and assignee joined as well, PostgreSQL spent 15–50 ms *planning* the 8-table
    query (the ticket table has many indexes), while running it took about 1 ms; two
    primary-key lookups cost well under 1 ms. Precondition: scope active.
    """
    return tickets.select_related("customer__tier", "category", "sla").prefetch_related(
        "team",
        Prefetch("assignee", queryset=Membership.objects.select_related("user")),
        "unit__product",
        *_api_prefetches(),
    )


# The columns the API's ticket representation reads (``tickets.api.ticket_representation``);
# a list page leaves out the others (phone intake, reply times, the customer's notes, the SLA
# clock's bookkeeping): 44 columns instead of 77 to send, parse and set.
API_LIST_FIELDS = (
    *("number", "subject", "description", "status", "priority", "channel", "product_model"),
    *("fault_symptom", "reopened_count", "team", "assignee", "merged_into", "category__name"),
    "unit",
    *("created_at", "updated_at", "first_responded_at", "resolved_at", "closed_at"),
    "expected_handled_by",
    *("customer__name", "customer__email", "customer__phone", "customer__key_info"),
    *("customer__tier__code", "customer__tier__name"),
    *("sla__policy", "sla__colour", "sla__is_escalated", "sla__paused_since"),
    *("sla__first_response_due_at", "sla__next_response_due_at", "sla__resolution_due_at"),
    *("sla__next_deadline_at", "sla__first_response_breached_at"),
    *("sla__next_response_breached_at", "sla__resolution_breached_at"),
)


def tickets_for_api(*, member: Membership) -> QuerySet[Ticket]:
    """The member's visible tickets as the API lists them, joined with customer, tier, category
    and SLA row; ``tickets_complete_for_api`` loads the other relations for a page. Rows carry
    only ``API_LIST_FIELDS``: reading another field costs a query per row."""
    tickets = tickets_visible_to(member).select_related("customer__tier", "category", "sla")
    return tickets.only(*API_LIST_FIELDS)


def tickets_complete_for_api(*, tickets: list[Ticket], directory: Directory) -> list[Ticket]:
    """A page of ``tickets_for_api`` ready for the API: one query for the tags, and one for each
    other relation that a ticket of the page has (SLA policy, merged-into ticket) and, for the
    team and the assignee, only when the tenant's ``directory`` (which the representation
    names them from) lacks one (a member no longer active). A queryset's
    ``prefetch_related`` would run Django's prefetch for each of them even when no ticket has
    one, as costly in Python as a query. Precondition: scope active."""
    assignee = Prefetch("assignee", queryset=Membership.objects.select_related("user"))
    needed = {
        "team": [t for t in tickets if t.team_id and t.team_id not in directory.team_names],
        assignee: [
            t for t in tickets if t.assignee_id and t.assignee_id not in directory.member_names
        ],
    }
    for lookup, rows in needed.items():
        if rows:
            prefetch_related_objects(rows, lookup)
    relations = {
        "sla__policy": "sla__policy",
        "merged_into": "merged_into",
        "unit__product": "unit__product",
    }
    missing = [
        lookup
        for path, lookup in relations.items()
        if not all(_in_memory(ticket, path) for ticket in tickets)
    ]
    prefetch_related_objects(tickets, *missing, _tags_prefetch())
    return tickets


def ticket_get_for_api(*, member: Membership, number: int) -> Ticket:
    """One visible ticket with its SLA escalations, else 404. The whole row: a PATCH hands
    it to the services."""
    tickets = _with_api_relations(tickets_visible_to(member)).prefetch_related("escalations")
    ticket = tickets.filter(number=number).first()
    if ticket is None:
        raise Http404
    return ticket


def ticket_reload_for_api(*, ticket: Ticket) -> Ticket:
    """The ticket again after a write, for the response. Precondition: the caller was allowed
    to write it (it may have just handed the ticket to a team it cannot see)."""
    return (
        _with_api_relations(Ticket.objects.all()).prefetch_related("escalations").get(pk=ticket.pk)
    )


def ticket_complete_for_api(*, ticket: Ticket) -> Ticket:
    """A ticket ``ticket_create`` just returned, ready for the API, without reading it again.

    The services leave the row's fields and its customer, category, team, assignee and SLA row
    in memory as written; only relations not loaded yet are fetched (the tags and escalations,
    and anything else no step of the creation happened to read). Re-reading the whole ticket
    cost three queries, the first a 9-table join that PostgreSQL took ~5 ms to plan.
    Precondition: the tenant scope is active; ``ticket`` comes straight from the service.
    """
    relations = (
        *("customer__tier", "category", "team", "assignee__user", "sla__policy", "unit__product"),
    )
    missing = [path for path in (*relations, "merged_into") if not _in_memory(ticket, path)]
    prefetch_related_objects([ticket], *missing, _tags_prefetch(), "escalations")
    return ticket


def _in_memory(row: Model, path: str) -> bool:
    """Whether following the relations ``path`` (``customer__tier``) from ``row`` reads nothing
    from the database. Handing such a path to ``prefetch_related_objects`` costs as much
    Python as a query, even when the key is null and no query is sent."""
    for name in path.split("__"):
        field = row._meta.get_field(name)
        if not field.is_cached(row):
            # A forward key that is null reads as None without a query.
            return field.concrete and getattr(row, field.attname) is None
        row = field.get_cached_value(row)
        if row is None:
            return True
    return True


def ticket_messages_for_api(*, ticket: Ticket) -> QuerySet[Message]:
    """The whole thread, internal notes included (the API serves members only)."""
    return ticket.messages.select_related(
        "author_member__user", "author_customer"
    ).prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))


def ticket_events_for_api(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.all()


# --- the customer's view: profile history and portal ---------------------------------------


def customer_tickets(*, customer: Customer, limit: int = 500) -> list:
    """The customer's tickets, newest first (the profile's history)."""
    tickets = Ticket.objects.filter(customer=customer).select_related("category", "assignee__user")
    return list(tickets.order_by("-created_at", "-pk")[:limit])


def portal_ticket_from_token(*, tenant: Tenant, token: str):
    """(ticket, expired) for a follow link: the ticket only if the link is genuine, fresh and
    made for this tenant. Never looks at a number a visitor typed."""
    verdict = tokens.follow_token_read(token, tenant=tenant)
    if verdict.object_id is None:
        return None, verdict.expired
    ticket = Ticket.objects.select_related("customer", "category").filter(pk=verdict.object_id)
    return ticket.first(), False


def portal_public_thread(*, ticket) -> list:
    """What the customer may read: public messages and their files, never internal notes."""
    messages = ticket.messages.filter(kind=MessageKind.PUBLIC)
    return list(
        messages.select_related("author_member__user", "author_customer").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        )
    )


def portal_attachment_get(*, ticket, pk: int):
    """A file of a public message of this ticket, else 404 (notes' files stay internal)."""
    attachment = Attachment.objects.filter(
        message__ticket=ticket, message__kind=MessageKind.PUBLIC, pk=pk
    ).first()
    if attachment is None:
        raise Http404
    return attachment


def portal_customer_tickets(*, customer: Customer, limit: int = 200) -> list:
    """The customer's newest tickets, each with its tenant (the follow link names its host)."""
    tickets = Ticket.objects.filter(customer=customer).select_related("tenant")
    return list(tickets.order_by("-created_at", "-pk")[:limit])


def _customer_tickets_on_units(customer: Customer) -> Prefetch:
    """Each unit's tickets as the portal may show them: the signed-in customer's own only (a
    unit they bought second-hand keeps the earlier owner's requests private)."""
    own = Ticket.objects.filter(customer=customer).select_related("tenant")
    own = own.order_by("-created_at", "-pk")
    return Prefetch("tickets", queryset=own, to_attr="portal_tickets")


def portal_customer_units(*, customer: Customer, limit: int = 200) -> list[Unit]:
    """The customer's units, newest first, with product and their own tickets (two
    queries, whatever the number of units)."""
    units = units_of_customer(customer=customer).prefetch_related(
        _customer_tickets_on_units(customer)
    )
    return list(units[:limit])


def portal_customer_unit(*, customer: Customer, pk: int) -> Unit:
    """The customer's unit ``pk`` with product and their own tickets on it, else 404."""
    unit = unit_of_customer(customer=customer, pk=pk)
    prefetch_related_objects([unit], _customer_tickets_on_units(customer))
    return unit
