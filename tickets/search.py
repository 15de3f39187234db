"""The workspace's one search box and the caller look-up of phone intake.

A hotline agent types whatever the caller gives: a ticket number, a few words of the subject,
a name, an e-mail address, a phone number in any spelling or a serial number from the label.
Each kind of record is matched on its own and comes back as a capped group with its count, so
a page costs the same handful of queries whether a group holds three rows or three thousand.
Preconditions for every function here: the tenant scope is active.
"""

import unicodedata
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from customers.models import Customer, normalise_phone
from helpdesk.models import Membership
from products.models import Unit, normalise_serial
from products.selectors import PHONE_MIN_DIGITS
from tickets.models import ACTIVE_STATUSES, Ticket
from tickets.selectors import tickets_visible_to

# Shorter text would match nearly everything: the page shows a hint instead.
MIN_QUERY_LENGTH = 2
# Rows shown per group; the count says how many more there are.
GROUP_LIMIT = 20
# Ticket numbers are integers; a longer run of digits is a phone or serial number.
TICKET_NUMBER_MAX_DIGITS = 9
# Characters a phone number is written with (full-width forms are folded to these first).
PHONE_SPELLING = frozenset("0123456789+-() ./")
# Subject words looked for at most: each is one more condition on every ticket row.
SUBJECT_WORDS_MAX = 8
# A caller's units listed beside them on the intake form; the count gives the rest.
CALLER_UNITS_SHOWN = 3


@dataclass(frozen=True)
class Group:
    """Up to ``GROUP_LIMIT`` rows of one kind and how many matched in all."""

    rows: list
    count: int

    @property
    def has_more(self) -> bool:
        return self.count > len(self.rows)


@dataclass(frozen=True)
class SearchResults:
    query: str
    tickets: Group
    customers: Group
    units: Group

    @property
    def is_empty(self) -> bool:
        return not (self.tickets.count or self.customers.count or self.units.count)


def query_is_searchable(query: str) -> bool:
    return len(query.strip()) >= MIN_QUERY_LENGTH


def workspace_search(*, member: Membership, query: str) -> SearchResults:
    """Tickets the member may open (as the queue shows them), customers and units matching
    ``query``: a query for each group, and a count for each group that fills its page."""
    text = query.strip()
    customers = customers_matching(text)
    units = units_matching(text)
    return SearchResults(
        query=text,
        tickets=_group(_tickets_matching(member, text, customers, units)),
        customers=_group(
            _with_open_tickets(customers, member).select_related("tier", "organization__tier")
        ),
        units=_group(units.select_related("product", "customer")),
    )


def _group(rows: QuerySet) -> Group:
    """The first rows and the total, counted only when the page is full."""
    found = list(rows[:GROUP_LIMIT])
    count = len(found) if len(found) < GROUP_LIMIT else rows.count()
    return Group(rows=found, count=count)


# --- tickets -------------------------------------------------------------------------------------


def _tickets_matching(
    member: Membership, text: str, customers: QuerySet[Customer], units: QuerySet[Unit]
) -> QuerySet[Ticket]:
    """By number, any subject word, or a matching customer or unit. The customers and units
    stay subqueries: every branch is a condition on the ticket row (see ``_search`` in
    ``tickets.selectors`` for why that matters on PostgreSQL)."""
    match = _subject_match(text)
    match |= Q(customer_id__in=customers.values("pk")) | Q(unit_id__in=units.values("pk"))
    number = text.lstrip("#").strip()
    if number.isdigit() and len(number) <= TICKET_NUMBER_MAX_DIGITS:
        match |= Q(number=int(number))
    tickets = tickets_visible_to(member).filter(match).select_related("customer")
    fields = ("number", "subject", "status", "updated_at", "customer__name", "customer__email")
    return tickets.only(*fields).order_by("-updated_at", "-pk")


def _subject_match(text: str) -> Q:
    """The whole phrase (Chinese has no spaces between words) or any word of two letters or
    more."""
    match = Q(subject__icontains=text)
    words = [word for word in text.split() if len(word) >= MIN_QUERY_LENGTH]
    for word in sorted(set(words[:SUBJECT_WORDS_MAX])):
        match |= Q(subject__icontains=word)
    return match


# --- customers -----------------------------------------------------------------------------------


def customers_matching(text: str) -> QuerySet[Customer]:
    """Customers (merged duplicates left out) whose name or e-mail contains the text, or whose
    phone number contains its digits, however either was written (``+86 139 1111 2222``,
    ``139-1111-2222`` and ``13911112222`` are one number)."""
    match = Q(name__icontains=text) | Q(email__icontains=text)
    digits = phone_digits(text)
    if digits:
        match |= Q(phone_normalised__contains=digits)
    return Customer.objects.filter(match, merged_into__isnull=True).order_by("name", "pk")


def phone_digits(text: str) -> str:
    """The digits of text written like a phone number (at least ``PHONE_MIN_DIGITS``), else ""."""
    if not text or not set(unicodedata.normalize("NFKC", text)) <= PHONE_SPELLING:
        return ""
    digits = normalise_phone(text)
    return digits if len(digits) >= PHONE_MIN_DIGITS else ""


def _with_open_tickets(customers: QuerySet[Customer], member: Membership) -> QuerySet[Customer]:
    """Each customer's open tickets that the member may open, counted in the same query."""
    open_tickets = (
        tickets_visible_to(member)
        .filter(customer=OuterRef("pk"), status__in=ACTIVE_STATUSES)
        .order_by()
        .values("customer")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return customers.annotate(
        open_ticket_count=Coalesce(Subquery(open_tickets, output_field=IntegerField()), 0)
    )


def caller_query(*, phone: str = "", name: str = "") -> str:
    """What the intake form's caller look-up searches for: the phone number when one is typed
    (the surest), else the name; "" while neither says enough to search."""
    text = phone.strip() if phone_digits(phone.strip()) else name.strip()
    return text if query_is_searchable(text) else ""


def callers_matching(*, member: Membership, text: str) -> list[Customer]:
    """The customers a caller may be (``caller_query``), for the intake form: each with its
    tier, open tickets, unit count and a few units. Three queries, whatever the number."""
    customers = _with_open_tickets(customers_matching(text), member)
    units = Unit.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    customers = customers.annotate(
        unit_count=Coalesce(
            Subquery(units.annotate(total=Count("pk")).values("total")),
            0,
            output_field=IntegerField(),
        )
    )
    recent = Unit.objects.select_related("product").order_by("-created_at", "-pk")
    customers = customers.select_related("tier", "organization__tier").prefetch_related(
        Prefetch("units", queryset=recent[:CALLER_UNITS_SHOWN], to_attr="recent_units")
    )
    return list(customers[:GROUP_LIMIT])


# --- units ---------------------------------------------------------------------------------------


def units_matching(text: str) -> QuerySet[Unit]:
    """Units whose serial number contains the text as labels are typed (case and spaces)."""
    serial = normalise_serial(text)
    if len(serial) < MIN_QUERY_LENGTH:
        return Unit.objects.none()
    return Unit.objects.filter(serial__contains=serial).order_by("serial", "pk")
