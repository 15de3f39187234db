"""Writes of the catalogue and the installed base. Each public function is one transaction
and records its events through ``helpdesk.audit.audit_record``.

Preconditions for all of them: the tenant scope is active and the caller has checked that
``actor`` may make the change.
"""

from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, Organization
from helpdesk.audit import audit_changes, audit_record, audit_save, audit_saved, audit_snapshot
from helpdesk.models import Membership, Tenant
from helpdesk.platform.uploads import document_refusal
from products.models import (
    SERIAL_MAX_LENGTH,
    Product,
    ServiceContract,
    ServicePlan,
    Unit,
    UnitStatus,
    normalise_serial,
)
from products.warranty import warranty_end


@transaction.atomic
def product_create(
    *,
    tenant: Tenant,
    actor: Membership | None,
    model_code: str,
    name: str,
    name_zh: str = "",
    product_line: str = "",
    warranty_months: int = 12,
    covers_parts: bool = True,
    covers_labour: bool = True,
    covers_on_site: bool = False,
    service_notes: str = "",
) -> Product:
    """A new catalogue entry; ``ValidationError`` on ``model_code`` if the tenant has it."""
    model_code = model_code.strip()
    if not model_code:
        raise ValidationError({"model_code": _("Give the model code.")})
    if Product.objects.filter(model_code__iexact=model_code).exists():
        raise ValidationError({"model_code": _("A product with this model code exists.")})
    product = Product.objects.create(
        tenant=tenant,
        model_code=model_code,
        name=name.strip(),
        name_zh=name_zh.strip(),
        product_line=product_line.strip(),
        warranty_months=warranty_months,
        covers_parts=covers_parts,
        covers_labour=covers_labour,
        covers_on_site=covers_on_site,
        service_notes=service_notes,
    )
    audit_record(tenant=tenant, actor=actor, action="created", target=product, new=product)
    return product


PRODUCT_EDITABLE_FIELDS = (
    "model_code",
    "name",
    "name_zh",
    "product_line",
    "warranty_months",
    "covers_parts",
    "covers_labour",
    "covers_on_site",
    "service_notes",
    "is_active",
)


@transaction.atomic
def product_update(*, product: Product, actor: Membership | None, **values) -> Product:
    """Change the named catalogue fields (``PRODUCT_EDITABLE_FIELDS``); one ``changed`` audit
    row per field whose value differs. ``ValidationError`` on ``model_code`` when it is empty
    or another product of the tenant has it."""
    unknown = set(values) - set(PRODUCT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"product_update() cannot change {sorted(unknown)}")
    if "model_code" in values:
        values["model_code"] = _checked_model_code(values["model_code"], product)
    for name in ("name", "name_zh", "product_line"):
        if name in values:
            values[name] = values[name].strip()
    before = audit_snapshot(product, values)
    for name, value in values.items():
        setattr(product, name, value)
    product.save(update_fields=list(values))
    after = audit_snapshot(product, values)
    audit_changes(tenant=product.tenant_id, actor=actor, target=product, before=before, after=after)
    return product


def _checked_model_code(raw: str, product: Product) -> str:
    model_code = raw.strip()
    if not model_code:
        raise ValidationError({"model_code": _("Give the model code.")})
    taken = Product.objects.filter(model_code__iexact=model_code).exclude(pk=product.pk)
    if taken.exists():
        raise ValidationError({"model_code": _("A product with this model code exists.")})
    return model_code


def unit_register(
    *,
    tenant: Tenant,
    actor: Membership | str | None,
    serial: str,
    product: Product,
    customer: Customer,
    purchased_on: date,
    purchase_channel: str = "",
    installation_address: str = "",
    installed_on: date | None = None,
    organization: Organization | None = None,
    invoice: UploadedFile | None = None,
    today: date | None = None,
) -> Unit:
    """Register a unit of ``product`` owned by ``customer``. ``ValidationError`` naming the
    field for an empty or over-long serial, a serial the tenant has registered already (also
    when a concurrent registration wins the race), a purchase date after ``today`` (the
    tenant's date), an installation before the purchase, or an ``invoice`` that is not a
    PDF, JPEG or PNG within the attachment size limit; nothing is written then, no file
    either. ``actor``: the member, or a label when the customer registers it themselves."""
    serial = _checked_serial(serial)
    today = today or timezone.localdate()
    _check_dates(purchased_on, installed_on, today)
    _check_invoice(invoice)
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                tenant=tenant,
                serial=serial,
                product=product,
                customer=customer,
                organization=organization or customer.organization,
                purchased_on=purchased_on,
                purchase_channel=purchase_channel.strip(),
                installation_address=installation_address.strip(),
                installed_on=installed_on,
            )
            audit_record(
                tenant=tenant,
                actor=actor,
                action="registered",
                target=unit,
                data={
                    "product": product.model_code,
                    "customer": customer.pk,
                    "invoice": invoice.name if invoice is not None else "",
                },
            )
            if invoice is not None:
                _store_invoice(unit, invoice)
    except IntegrityError:
        raise _serial_taken() from None
    return unit


def _check_invoice(invoice: UploadedFile | None) -> None:
    if invoice is None:
        return
    refusal = document_refusal(invoice, max_bytes=settings.HELPDESK_ATTACHMENT_MAX_BYTES)
    if refusal:
        raise ValidationError({"invoice": refusal})


def _store_invoice(unit: Unit, invoice: UploadedFile) -> None:
    """The file last, so that nothing after it can fail but its own row update; if that
    fails (or the transaction does), the stored file is removed: no orphan in storage."""
    unit.invoice.save(invoice.name, invoice, save=False)
    unit.invoice_name = PurePath(invoice.name or "").name[:255]
    try:
        unit.save(update_fields=["invoice", "invoice_name"])
    except Exception:
        unit.invoice.delete(save=False)
        raise


def _checked_serial(raw: str) -> str:
    serial = normalise_serial(raw)
    if not serial:
        raise ValidationError({"serial": _("Give the serial number.")})
    if len(serial) > SERIAL_MAX_LENGTH:
        raise ValidationError(
            {
                "serial": _("A serial number has at most %(n)s characters.")
                % {"n": SERIAL_MAX_LENGTH}
            }
        )
    if Unit.objects.filter(serial=serial).exists():
        raise _serial_taken()
    return serial


def _serial_taken() -> ValidationError:
    return ValidationError({"serial": _("A unit with this serial number is registered already.")})


def _check_dates(purchased_on: date, installed_on: date | None, today: date) -> None:
    if purchased_on > today:
        raise ValidationError({"purchased_on": _("The purchase date cannot be in the future.")})
    if installed_on is not None and installed_on < purchased_on:
        raise ValidationError(
            {"installed_on": _("The installation cannot come before the purchase.")}
        )


UNIT_EDITABLE_FIELDS = (
    "customer",
    "organization",
    "purchased_on",
    "purchase_channel",
    "installation_address",
    "installed_on",
    "status",
)


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    actor: Membership | None,
    invoice: UploadedFile | None = None,
    today: date | None = None,
    **values,
) -> Unit:
    """Change the named fields of a registered unit (``UNIT_EDITABLE_FIELDS``) and, when given,
    replace its invoice; one ``changed`` audit row per field whose value differs. The dates are
    checked as at registration and the status must be one of ``UnitStatus``; ``ValidationError``
    naming the field otherwise, and nothing is written then. The serial and the product are
    not editable: a unit with another serial is another unit."""
    unknown = set(values) - set(UNIT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unit_update() cannot change {sorted(unknown)}")
    for name in ("purchase_channel", "installation_address"):
        if name in values:
            values[name] = values[name].strip()
    if "status" in values and values["status"] not in UnitStatus.values:
        raise ValidationError({"status": _("Choose active, replaced or scrapped.")})
    _check_dates(
        values.get("purchased_on", unit.purchased_on),
        values.get("installed_on", unit.installed_on),
        today or timezone.localdate(),
    )
    if invoice is not None:
        _check_invoice(invoice)
    names = list(values) + (["invoice_name"] if invoice is not None else [])
    before = audit_snapshot(unit, names)
    for name, value in values.items():
        setattr(unit, name, value)
    unit.save(update_fields=list(values))
    if invoice is not None:
        _store_invoice(unit, invoice)
    after = audit_snapshot(unit, names)
    audit_changes(tenant=unit.tenant_id, actor=actor, target=unit, before=before, after=after)
    return unit


@transaction.atomic
def unit_warranty_override(
    *, unit: Unit, actor: Membership, until: date | None, reason: str
) -> Unit:
    """Set (or, with ``until`` None, lift) an agreed warranty end that differs from the
    product's period. A reason is required either way; both ends and the reason are audited."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the warranty end changes.")})
    old = unit.warranty_ends_on
    unit.warranty_override_until = until
    unit.warranty_override_reason = reason if until is not None else ""
    unit.save(update_fields=["warranty_override_until", "warranty_override_reason"])
    audit_record(
        tenant=unit.tenant_id,
        actor=actor,
        action="warranty_overridden" if until is not None else "warranty_override_lifted",
        target=unit,
        field="warranty_ends_on",
        old=old or "",
        new=unit.warranty_ends_on or "",
        data={"reason": reason},
    )
    return unit


def product_warranty_end(*, product: Product, purchased_on: date) -> date | None:
    """The end a unit of ``product`` bought on ``purchased_on`` gets without an override."""
    return warranty_end(purchased_on, product.warranty_months)


# --- service plans and contracts ------------------------------------------------------------------

PLAN_FIELDS = (
    "name",
    "name_zh",
    "covers_parts",
    "covers_labour",
    "covers_on_site",
    "on_site_within_hours",
    "first_response_minutes",
    "resolution_minutes",
    "preventive_visits_per_year",
    "is_active",
)
CONTRACT_FIELDS = ("plan", "reference", "unit", "organization", "starts_on", "ends_on", "notes")


def service_plan_create(*, tenant: Tenant, actor: Membership | None, **values) -> ServicePlan:
    """A new plan (``values``: ``PLAN_FIELDS``); ``ValidationError`` on ``name`` if the tenant
    has a plan of that name already (also when a concurrent creation wins the race)."""
    return _plan_save(tenant, actor, ServicePlan(tenant=tenant), values)


def service_plan_update(
    *, tenant: Tenant, actor: Membership | None, plan: ServicePlan, **values
) -> ServicePlan:
    """Change a plan. Tickets already open keep the targets they were given (``TicketSla``)."""
    return _plan_save(tenant, actor, plan, values)


def _plan_save(tenant, actor, plan: ServicePlan, values: dict) -> ServicePlan:
    _check_fields(values, PLAN_FIELDS)
    values = {**values, "name": str(values.get("name", plan.name)).strip()}
    if not values["name"]:
        raise ValidationError({"name": _("Give the plan a name.")})
    taken = ServicePlan.objects.filter(name__iexact=values["name"]).exclude(pk=plan.pk)
    if taken.exists():
        raise _plan_name_taken()
    try:
        with transaction.atomic():
            return audit_save(tenant=tenant, actor=actor, instance=plan, values=values)
    except IntegrityError:
        raise _plan_name_taken() from None


def _plan_name_taken() -> ValidationError:
    return ValidationError({"name": _("A service plan with this name exists.")})


def service_contract_create(
    *, tenant: Tenant, actor: Membership | None, **values
) -> ServiceContract:
    """A plan sold for one unit or for an organisation (``values``: ``CONTRACT_FIELDS``).

    ``ValidationError`` naming the field, nothing written: a contract covering both a unit and
    an organisation or neither, an end before the start, a reference the tenant has used
    (also under a concurrent race), another tenant's plan, unit or organisation."""
    contract = ServiceContract(tenant=tenant)
    return _contract_save(tenant, actor, contract, values)


def service_contract_update(
    *, tenant: Tenant, actor: Membership | None, contract: ServiceContract, **values
) -> ServiceContract:
    """Change a contract; the same checks as ``service_contract_create``."""
    return _contract_save(tenant, actor, contract, values)


def service_contract_end(
    *, tenant: Tenant, actor: Membership | None, contract: ServiceContract, ends_on: date
) -> ServiceContract:
    """End a contract early (cancelled, the unit scrapped): ``ends_on`` moves earlier only."""
    if ends_on > contract.ends_on:
        raise ValidationError({"ends_on": _("Ending early cannot move the end later.")})
    return _contract_save(tenant, actor, contract, {"ends_on": ends_on})


def _contract_save(tenant, actor, contract: ServiceContract, values: dict) -> ServiceContract:
    _check_fields(values, CONTRACT_FIELDS)
    merged = {name: values.get(name, getattr(contract, name, None)) for name in CONTRACT_FIELDS}
    merged["reference"] = str(merged["reference"] or "").strip()
    merged["notes"] = merged["notes"] or ""
    _check_contract(tenant, contract, merged)
    try:
        with transaction.atomic():
            before = None if contract.pk is None else audit_snapshot(contract, CONTRACT_FIELDS)
            for name, value in merged.items():
                setattr(contract, name, value)
            contract.save()
            after = audit_snapshot(contract, CONTRACT_FIELDS)
            # A unit's contract lands in the unit's history; an organisation's in the
            # configuration log (organisations keep no event table of their own).
            target = contract.unit if contract.unit_id else contract
            _audit_contract(tenant, actor, contract, target, before, after)
    except IntegrityError:
        raise _reference_taken() from None
    return contract


def _audit_contract(tenant, actor, contract, target, before, after) -> None:
    if target is contract:
        audit_saved(tenant=tenant, actor=actor, target=contract, before=before, after=after)
        return
    action = "contract_added" if before is None else "contract_changed"
    changed = {name: value for name, value in after.items() if (before or {}).get(name) != value}
    audit_record(
        tenant=tenant,
        actor=actor,
        action=action,
        target=target,
        field="contract",
        new=contract.reference,
        data={"contract": contract.pk, "values": changed},
    )


def _check_fields(values: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _check_contract(tenant, contract: ServiceContract, values: dict) -> None:
    plan, unit, organization = values["plan"], values["unit"], values["organization"]
    if plan is None or plan.tenant_id != _tenant_id(tenant):
        raise ValidationError({"plan": _("Choose one of your service plans.")})
    if not values["reference"]:
        raise ValidationError({"reference": _("Give the contract number.")})
    if unit is not None and organization is not None:
        raise ValidationError({"unit": _("A contract covers a unit or an organisation, not both.")})
    if unit is None and organization is None:
        raise ValidationError({"unit": _("Choose the unit or the organisation it covers.")})
    for name, row in (("unit", unit), ("organization", organization)):
        if row is not None and row.tenant_id != _tenant_id(tenant):
            raise ValidationError({name: _("Choose one of your own.")})
    if not values["starts_on"]:
        raise ValidationError({"starts_on": _("Give the start date.")})
    if not values["ends_on"] or values["ends_on"] < values["starts_on"]:
        raise ValidationError({"ends_on": _("The contract cannot end before it starts.")})
    taken = ServiceContract.objects.filter(reference__iexact=values["reference"])
    if taken.exclude(pk=contract.pk).exists():
        raise _reference_taken()


def _tenant_id(tenant: Tenant | int) -> int:
    return getattr(tenant, "pk", tenant)


def _reference_taken() -> ValidationError:
    return ValidationError({"reference": _("A contract with this number exists.")})
