"""Reads of customers: fetch-and-authorize, the customer list, the profile, the portal.

Precondition for all of them: the tenant scope is active (the scoped managers keep every
match inside the tenant).
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import (
    Customer,
    CustomerEvent,
    MailboxSettings,
    Organization,
    PortalNotice,
    normalise_phone,
)


def customer_find_for_intake(*, email: str = "", phone: str = "") -> Customer | None:
    """The existing customer a caller most likely is: same e-mail, else same phone number
    however it is written (``normalise_phone``: ``+86 138-0013-8000`` is ``13800138000``).

    A merged duplicate's address leads to the customer it was merged into.
    """
    customers = Customer.objects.select_related("tier", "merged_into__tier").order_by("pk")
    customer = None
    if email.strip():
        customer = customers.filter(email__iexact=email.strip()).first()
    elif number := normalise_phone(phone):
        customer = customers.filter(phone_normalised=number).first()
    if customer is not None and customer.merged_into_id:
        return customer.merged_into
    return customer


def customer_get(*, pk: int) -> Customer:
    """A customer of the active tenant, or 404 (another tenant's id is just unknown here)."""
    customer = (
        Customer.objects.select_related(
            "tier", "organization__tier", "account_manager__user", "merged_into"
        )
        .prefetch_related("tags")
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def customer_list(*, query: str = "", tier_id: int | None = None) -> QuerySet[Customer]:
    """Customers for the list page, newest first, merged duplicates left out. Filters by the
    effective tier: the customer's own, else the organization's."""
    customers = Customer.objects.filter(merged_into__isnull=True)
    text = query.strip()
    if text:
        customers = customers.filter(
            Q(name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
            | Q(organization__name__icontains=text)
        )
    if tier_id:
        customers = customers.filter(
            Q(tier_id=tier_id) | Q(tier__isnull=True, organization__tier_id=tier_id)
        )
    return (
        customers.select_related("tier", "organization__tier", "account_manager__user")
        .prefetch_related("tags")
        .order_by("-created_at", "-pk")
    )


def customer_events(*, customer: Customer) -> list[CustomerEvent]:
    return list(customer.events.order_by("created_at", "pk"))


def organizations_with_tiers() -> QuerySet[Organization]:
    return Organization.objects.select_related("tier").order_by("name")


# --- portal ------------------------------------------------------------------------------------


def portal_notices_now() -> list[PortalNotice]:
    """Notices to show on the portal right now."""
    now = timezone.now()
    notices = PortalNotice.objects.filter(is_active=True)
    notices = notices.filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
    notices = notices.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    return list(notices.order_by("-created_at", "-pk")[:5])


def portal_notice_get(*, pk: int) -> PortalNotice:
    notice = PortalNotice.objects.filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def portal_notices_all() -> list[PortalNotice]:
    return list(PortalNotice.objects.order_by("-created_at", "-pk")[:100])


def customer_find_duplicate(*, keep: Customer, text: str) -> Customer:
    """The customer an agent means by an id or an e-mail address, other than ``keep``; 404."""
    text = text.strip()
    if text.isdigit():
        return customer_get(pk=int(text))
    duplicate = (
        Customer.objects.filter(email__iexact=text, merged_into__isnull=True)
        .exclude(pk=keep.pk)
        .order_by("pk")
        .first()
    )
    if duplicate is None:
        raise Http404
    return duplicate


def mailbox_settings_get() -> MailboxSettings | None:
    return MailboxSettings.objects.first()


def portal_customer_get(*, pk: int) -> Customer | None:
    """The signed-in portal customer (scope active: never another tenant's)."""
    return Customer.objects.filter(pk=pk, merged_into__isnull=True).first()


# --- personal data (PIPL / GDPR) ---------------------------------------------------------------


def customer_with_duplicates(*, customer: Customer) -> list[Customer]:
    """The customer and every duplicate merged into them, directly or through another
    duplicate: one person, several rows. Ordered by pk."""
    people = {customer.pk: customer}
    frontier = [customer.pk]
    while frontier:
        found = Customer.objects.filter(merged_into_id__in=frontier).exclude(pk__in=people)
        frontier = []
        for duplicate in found:
            people[duplicate.pk] = duplicate
            frontier.append(duplicate.pk)
    return [people[pk] for pk in sorted(people)]


def customer_export(*, customer: Customer) -> dict:
    """Everything stored about the customer, as JSON values (timestamps in ISO 8601): the
    answer to an access or portability request (PIPL Art. 45, GDPR Art. 15 / 20).

    Covers the duplicates merged into the customer, their tickets with every message —
    internal notes too, since they are personal data about the customer — attachment metadata
    (never the bytes), audit trails, surveys, follow-ups, e-mails owed or sent, incident
    updates mailed and inbound mail. A constant number of queries. Precondition: the tenant
    scope is active.
    """
    from . import privacy_export

    people = customer_with_duplicates(customer=customer)
    return privacy_export.export_document(customer, people)
