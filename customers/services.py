"""Writes of customers. Each public function is one transaction and records its events.

Preconditions for all of them: the tenant scope is active and the caller has checked that
``actor`` may make the change (views: ``member_required``).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from helpdesk.audit import audit_record, audit_save
from helpdesk.models import Membership, Tenant

from . import events
from .events import customer_anonymising, customer_data_erase, customer_data_held
from .importing import ImportReport, ImportRow, parse_customer_csv
from .models import (
    Customer,
    CustomerEvent,
    CustomerTag,
    MailboxSettings,
    Organization,
    PortalNotice,
    Tier,
)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _event(
    customer: Customer,
    actor: Membership | None,
    action: str,
    *,
    field: str = "",
    old: object = "",
    new: object = "",
    data: dict | None = None,
) -> CustomerEvent:
    return audit_record(
        tenant=customer.tenant_id,
        actor=actor,
        action=action,
        target=customer,
        field=field,
        old=old,
        new=new,
        data=data,
    )


def _clean_email(email: str) -> str:
    return email.strip().lower()


class CustomerEmailTaken(ValidationError):
    """Another live customer of the tenant has this address: at most one may
    (``customer_tenant_email_unique``, any case; merged duplicates and anonymised customers
    aside)."""

    def __init__(self) -> None:
        super().__init__({"email": _("A customer with this e-mail address already exists.")})


def _email_taken(email: str, *, other_than: int | None = None) -> bool:
    live = Customer.objects.filter(email__iexact=email, merged_into__isnull=True)
    return bool(email) and live.exclude(pk=other_than).exists()


def _insert_customer(**fields) -> Customer:
    """INSERT in a savepoint; ``CustomerEmailTaken`` if the unique constraint refuses it. The
    savepoint keeps the caller's transaction usable. When a concurrent transaction inserted
    the same address first, the constraint makes this INSERT wait for it and fail once it
    commits, and its row is visible to the next query (READ COMMITTED)."""
    try:
        with transaction.atomic():
            return Customer.objects.create(**fields)
    except IntegrityError:
        if _email_taken(fields["email"]):
            raise CustomerEmailTaken from None
        raise


def _save_profile(customer: Customer, fields: list[str]) -> None:
    """UPDATE in a savepoint: another agent may have given the same address to another
    customer after our check, and the unique constraint is then the one that says so."""
    try:
        with transaction.atomic():
            customer.save(update_fields=fields)
    except IntegrityError:
        if "email" in fields and _email_taken(customer.email, other_than=customer.pk):
            raise CustomerEmailTaken from None
        raise


def _set_tags(customer: Customer, names: list[str]) -> str:
    """Replace the customer's tags; returns them as one comma-separated string."""
    clean = sorted({name.strip()[:50] for name in names if name.strip()})
    tags = [
        CustomerTag.objects.get_or_create(tenant_id=customer.tenant_id, name=name)[0]
        for name in clean
    ]
    customer.tags.set(tags)
    return ", ".join(clean)


def _tag_text(customer: Customer) -> str:
    return ", ".join(sorted(customer.tags.values_list("name", flat=True)))


# --- customers -----------------------------------------------------------------------------------


@transaction.atomic
def customer_create(
    *,
    tenant: Tenant,
    name: str,
    email: str = "",
    phone: str = "",
    actor: Membership | None = None,
    organization: Organization | None = None,
    tier: Tier | None = None,
    tags: list[str] | None = None,
    account_manager: Membership | None = None,
    key_info: str = "",
    notes: str = "",
    language: str = "",
) -> Customer:
    """A new contact (a first-time caller, a portal visitor, a sender of e-mail, an import).
    Raises ``CustomerEmailTaken`` if a live customer has the address already (the database
    decides, see ``_insert_customer``); intake that should rather find that customer calls
    ``customer_get_or_create``."""
    customer = _insert_customer(
        tenant=tenant,
        name=name.strip()[:200],
        email=_clean_email(email),
        phone=phone.strip()[:40],
        organization=organization,
        tier=tier,
        account_manager=account_manager,
        key_info=key_info,
        notes=notes,
        language=language,
    )
    if tags:
        _set_tags(customer, tags)
    _event(customer, actor, "created")
    return customer


def customer_get_or_create(
    *,
    tenant: Tenant,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str = "",
    actor: Membership | None = None,
) -> Customer:
    """The customer a new ticket belongs to (portal, API, inbound e-mail, agent intake): the
    one with this e-mail address, else, without an address, with this phone number (a merged
    duplicate leads to the customer it was merged into); else a new one.

    Safe when two intakes from the same new address run at once: the loser's INSERT fails on
    the unique constraint inside a savepoint (``_insert_customer``), and it takes the row the
    winner committed. Precondition: the scope of ``tenant`` is active.
    """
    from .selectors import customer_find_for_intake

    found = customer_find_for_intake(email=email, phone=phone)
    if found is not None:
        return found
    try:
        return customer_create(
            tenant=tenant,
            actor=actor,
            name=name.strip() or email or phone,
            email=email,
            phone=phone,
            language=language,
        )
    except CustomerEmailTaken:
        found = customer_find_for_intake(email=email)
        if found is None:  # the winner's row is gone again (merged, anonymised): let it show
            raise
        return found


# Plain fields an agent edits on the profile; tier and tags have their own events.
EDITABLE_FIELDS = ("name", "email", "phone", "key_info", "notes", "language")
RELATED_FIELDS = ("organization", "account_manager")


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    actor: Membership | None,
    name: str,
    email: str,
    phone: str,
    organization: Organization | None,
    tier: Tier | None,
    tags: list[str],
    account_manager: Membership | None,
    key_info: str,
    notes: str,
    language: str,
) -> Customer:
    """Save the profile form: one event per changed field, before → after. Raises
    ``CustomerEmailTaken`` for an address another live customer has."""
    old_effective_tier = customer.effective_tier
    email = _clean_email(email)
    is_live = customer.merged_into_id is None
    if is_live and email != customer.email and _email_taken(email, other_than=customer.pk):
        raise CustomerEmailTaken
    new = {
        "name": name.strip()[:200],
        "email": email,
        "phone": phone.strip()[:40],
        "key_info": key_info,
        "notes": notes,
        "language": language,
        "organization": organization,
        "account_manager": account_manager,
    }
    changed = []
    for field, value in new.items():
        old = getattr(customer, field)
        if old != value:
            _event(customer, actor, "changed", field=field, old=old, new=value)
            setattr(customer, field, value)
            changed.append(field)
    if changed:
        _save_profile(customer, changed)
    old_tags = _tag_text(customer)
    new_tags = _set_tags(customer, tags)
    if old_tags != new_tags:
        _event(customer, actor, "changed", field="tags", old=old_tags, new=new_tags)
    _record_tier(customer, actor, tier)
    if customer.effective_tier != old_effective_tier:
        _refresh_open_tickets(customer)
    return customer


def _record_tier(customer: Customer, actor: Membership | None, tier: Tier | None) -> None:
    if tier != customer.tier:
        _event(customer, actor, "tier_changed", field="tier", old=customer.tier, new=tier)
        customer.tier = tier
        customer.save(update_fields=["tier"])


def _refresh_open_tickets(customer: Customer) -> None:
    """Deadlines follow the tier: the apps that keep them hear of the change."""
    events.customer_tier_changed.send(sender=Customer, customer=customer)


@transaction.atomic
def customer_change_tier(
    *, customer: Customer, actor: Membership | None, tier: Tier | None
) -> Customer:
    """A tier change (客户分层): an event on the customer; open tickets get new deadlines."""
    old_effective_tier = customer.effective_tier
    _record_tier(customer, actor, tier)
    if customer.effective_tier != old_effective_tier:
        _refresh_open_tickets(customer)
    return customer


@transaction.atomic
def customer_merge(*, keep: Customer, duplicate: Customer, actor: Membership | None) -> Customer:
    """Fold a duplicate (same person, another e-mail) into ``keep``: its tickets and messages
    move over, blanks on ``keep`` are filled from it, tags are joined, and the duplicate stays
    behind as a pointer (intake that matches its e-mail lands on ``keep``)."""
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("A customer cannot be merged into itself.")})
    if keep.merged_into_id or duplicate.merged_into_id:
        raise ValidationError({"duplicate": _("This customer was already merged.")})
    moved = {}
    for _receiver, summary in events.customer_merging.send(
        sender=Customer, keep=keep, duplicate=duplicate
    ):
        moved.update(summary)
    # Merged first: ``keep`` may take over the duplicate's address, which the duplicate keeps
    # too, and only one live customer may have it.
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into"])
    _fill_blanks(keep, duplicate)
    tags = {
        *keep.tags.values_list("name", flat=True),
        *duplicate.tags.values_list("name", flat=True),
    }
    _set_tags(keep, list(tags))
    summary = {**moved, "customer": duplicate.pk, "email": duplicate.email}
    _event(keep, actor, "merged_in", old=duplicate.email or duplicate.name, data=summary)
    target = {"customer": keep.pk, "email": keep.email}
    _event(duplicate, actor, "merged_into", new=keep.email or keep.name, data=target)
    _refresh_open_tickets(keep)
    return keep


def _fill_blanks(keep: Customer, duplicate: Customer) -> None:
    filled = []
    for field in ("email", "phone", "organization_id", "tier_id", "account_manager_id", "language"):
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
            filled.append(field.removesuffix("_id"))
    for field in ("key_info", "notes"):
        extra = getattr(duplicate, field).strip()
        if extra and extra not in getattr(keep, field):
            setattr(keep, field, "\n".join(filter(None, [getattr(keep, field).strip(), extra])))
            filled.append(field)
    if filled:
        keep.save(update_fields=filled)


# --- organizations -------------------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *, tenant: Tenant, name: str, tier: Tier | None = None, notes: str = ""
) -> Organization:
    name = name.strip()[:200]
    if not name:
        raise ValidationError({"name": _("Give the organization a name.")})
    if Organization.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("There is already an organization of this name.")})
    return Organization.objects.create(tenant=tenant, name=name, tier=tier, notes=notes)


# --- CSV import ----------------------------------------------------------------------------------


def customer_import_csv(
    *, tenant: Tenant, actor: Membership | None, upload: UploadedFile
) -> ImportReport:
    """Validate every row first; import all of them in one transaction only if none is wrong.

    Returns the report either way: per-row errors, or how many customers were created.
    """
    report = parse_customer_csv(upload)
    if report.has_errors:
        return report
    try:
        with transaction.atomic():
            for row in report.rows:
                _import_row(tenant, actor, row)
    except CustomerEmailTaken:
        # An address taken since the check (an intake at the same moment): the row says so,
        # and nothing was written.
        return report
    report.created = len(report.rows)
    return report


def _import_row(tenant: Tenant, actor: Membership | None, row: ImportRow) -> None:
    organization = None
    if row.organization:
        organization = Organization.objects.filter(
            name__iexact=row.organization
        ).first() or Organization.objects.create(tenant=tenant, name=row.organization)
    try:
        customer = customer_create(
            tenant=tenant,
            actor=actor,
            name=row.name,
            email=row.email,
            phone=row.phone,
            organization=organization,
            tier=row.tier,
            tags=row.tags,
            key_info=row.key_info,
            notes=row.notes,
            language=row.language,
        )
    except CustomerEmailTaken as taken:
        row.errors.extend(taken.messages)
        raise
    _event(customer, actor, "imported", data={"line": row.line})


# --- portal --------------------------------------------------------------------------------------


def portal_sign_in(*, customer: Customer, sign_in_count: int) -> bool:
    """Spend a sign-in link: a conditional UPDATE on the counter the link was made for, so a
    link used twice (or raced) signs in once. Returns whether this use won."""
    claimed = Customer.objects.filter(pk=customer.pk, portal_sign_in_count=sign_in_count).update(
        portal_sign_in_count=F("portal_sign_in_count") + 1
    )
    return bool(claimed)


@transaction.atomic
def portal_notice_save(
    *,
    tenant: Tenant,
    actor: Membership | None,
    notice: PortalNotice | None,
    text: str,
    is_active: bool,
    starts_at,
    ends_at,
) -> PortalNotice:
    """Create (``notice`` None) or change a portal notice."""
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    notice = notice or PortalNotice(tenant=tenant, created_at=timezone.now())
    values = {"text": text.strip(), "is_active": is_active}
    values.update(starts_at=starts_at, ends_at=ends_at)
    return audit_save(tenant=tenant, actor=actor, instance=notice, values=values)


@transaction.atomic
def mailbox_settings_save(*, tenant: Tenant, actor: Membership | None, **fields) -> MailboxSettings:
    """Create or change the tenant's inbound mailbox. The password is stored encrypted; an
    empty password on a change keeps the stored one (the form never shows it). The audit
    trail records that the password changed, never the password."""
    mailbox = MailboxSettings.objects.filter(tenant=tenant).first() or MailboxSettings(
        tenant=tenant
    )
    password = fields.pop("password", "")
    if password or not mailbox.pk:
        if mailbox.pk and password != mailbox.password:
            audit_record(
                tenant=tenant, actor=actor, action="changed", target=mailbox, field="password"
            )
        mailbox.password = password
    return audit_save(tenant=tenant, actor=actor, instance=mailbox, values=fields)


# --- personal data (PIPL / GDPR) -----------------------------------------------------------------


class ErasureCause(models.TextChoices):
    """Why personal data was erased; the label is what the erased text reads afterwards."""

    REQUEST = "request", gettext_lazy("[removed on request]")
    RETENTION = "retention", gettext_lazy("[removed after the retention period]")


ANONYMISED_NAME = gettext_lazy("Anonymised customer #%(id)s")
# Profile fields whose old and new values the audit trail recorded (``customer_update``).
AUDITED_PERSONAL_FIELDS = ("name", "email", "phone", "key_info", "notes", "language", "tags")
MERGE_ACTIONS = ("merged_in", "merged_into")


def erased_text(tenant: Tenant, cause: str) -> str:
    """The placeholder in the tenant's language: it is stored, and read by everyone there."""
    with override(tenant.default_language):
        return str(ErasureCause(cause).label)


def _locked(rows: QuerySet) -> QuerySet:
    """Row locks where the database has them (PostgreSQL); SQLite's write lock serialises."""
    return (
        rows.select_for_update(of=("self",)) if connection.features.has_select_for_update else rows
    )


@transaction.atomic
def customer_anonymise(*, customer: Customer, by: Membership | None, reason: str) -> Customer:
    """Erase, on the customer's request, everything that says who they are (PIPL Art. 47,
    GDPR Art. 17), and keep what the reports count.

    The customer and every duplicate merged into them become "Anonymised customer #<id>" with
    no e-mail, phone, notes, key information, language or tags; outstanding portal sign-in and
    survey links stop working; every one of their tickets is erased (the receivers of
    ``events.customer_data_erase``: ``tickets.erasure.tickets_personal_data_erase``), and so is
    what they wrote on other tickets (``events.customer_anonymising``); the audit trail loses
    the old values of those fields. Tickets, organization, tier and account manager stay. One
    ``anonymised`` event records who did it and why (the reason as typed: it should not repeat
    the personal data). Idempotent: a second call erases what was added since (a ticket opened
    meanwhile) and records nothing when there was nothing new.

    Precondition: the tenant scope is active; ``by`` may anonymise customers.
    """
    from .selectors import customer_with_duplicates

    now = timezone.now()
    ids = [person.pk for person in customer_with_duplicates(customer=customer)]
    # Tickets before customers: the retention sweep holds ticket rows and then waits for a
    # customer row, so taking them in the same order cannot deadlock with it.
    answers = customer_data_erase.send(
        sender=Customer, customer_ids=ids, cause=ErasureCause.REQUEST, actor=by, now=now
    )
    erased = sum(count for _receiver, count in answers)
    people = list(_locked(Customer.objects.filter(pk__in=ids)).order_by("pk"))
    _people_anonymise(
        customer,
        people,
        cause=ErasureCause.REQUEST,
        actor=by,
        reason=reason,
        now=now,
        tickets=erased,
    )
    customer.refresh_from_db()
    return customer


@transaction.atomic
def customer_anonymise_if_done(*, customer_id: int, now: datetime | None = None) -> bool:
    """Anonymise a customer none of whose tickets keeps personal data any more (retention:
    no receiver of ``events.customer_data_held`` answers True).

    The customer's row lock orders two sweepers that erased the customer's last tickets at the
    same time: the second one to get the lock sees the first one's committed erasure, so one
    of them anonymises. Returns whether this call did. Precondition: the tenant scope is active.
    """
    from .selectors import customer_with_duplicates

    now = now or timezone.now()
    customer = (
        _locked(Customer.objects.filter(pk=customer_id, anonymised_at__isnull=True))
        .select_related("tenant")
        .first()
    )
    if customer is None:
        return False
    people = customer_with_duplicates(customer=customer)
    ids = [person.pk for person in people]
    if any(held for _r, held in customer_data_held.send(sender=Customer, customer_ids=ids)):
        return False
    cause = ErasureCause.RETENTION
    _people_anonymise(customer, people, cause=cause, actor=None, reason="", now=now, tickets=0)
    return True


def _people_anonymise(
    customer: Customer,
    people: list[Customer],
    *,
    cause: str,
    actor: Membership | None,
    reason: str,
    now: datetime,
    tickets: int,
) -> None:
    """Blank the rows of one person (``people``: the customer and their duplicates) and what
    is keyed to them; record the event when something was erased for the first time."""
    ids = [person.pk for person in people]
    first = any(person.anonymised_at is None for person in people)
    for person in people:
        _profile_blank(person, customer.tenant, now)
    text = erased_text(customer.tenant, cause)
    customer_anonymising.send(sender=Customer, customer_ids=ids, text=text, now=now)
    _audit_trail_scrub(ids)
    if first or tickets:
        others = [pk for pk in ids if pk != customer.pk]
        data = {"cause": cause, "reason": reason.strip()[:500], "tickets": tickets}
        _event(customer, actor, "anonymised", data={**data, "duplicates": others})


def _profile_blank(person: Customer, tenant: Tenant, now: datetime) -> None:
    with override(tenant.default_language):
        person.name = str(ANONYMISED_NAME % {"id": person.pk})
    person.email = person.phone = person.key_info = person.notes = person.language = ""
    # Sign-in links carry the counter they were made for: a new value kills those still out.
    person.portal_sign_in_count += 1
    person.anonymised_at = person.anonymised_at or now
    fields = ["name", "email", "phone", "key_info", "notes", "language"]
    person.save(update_fields=[*fields, "portal_sign_in_count", "anonymised_at"])
    person.tags.clear()


def _audit_trail_scrub(ids: list[int]) -> None:
    """The one rewrite of the append-only trail, because erasure law outranks it: the old and
    new values of personal fields, and the addresses merges recorded, go; who changed which
    field when stays. (``AuditEvent.save`` refuses changes; a queryset update is deliberate.)"""
    events = CustomerEvent.objects.filter(customer_id__in=ids)
    events.filter(field__in=AUDITED_PERSONAL_FIELDS).update(old_value="", new_value="")
    merges = CustomerEvent.objects.filter(action__in=MERGE_ACTIONS).filter(
        Q(customer_id__in=ids) | Q(data__customer__in=ids)
    )
    for pk, data in merges.values_list("pk", "data"):
        kept = {key: value for key, value in (data or {}).items() if key != "email"}
        CustomerEvent.objects.filter(pk=pk).update(old_value="", new_value="", data=kept)
