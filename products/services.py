"""Writes of the catalogue and the installed base. Each public function is one transaction
and records its events through ``helpdesk.audit.audit_record``.

Preconditions for all of them: the tenant scope is active and the caller has checked that
``actor`` may make the change.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, Organization
from helpdesk.audit import audit_record
from helpdesk.models import Membership, Tenant
from helpdesk.platform.uploads import document_refusal
from products.models import SERIAL_MAX_LENGTH, Product, Unit, normalise_serial
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
    unit.invoice_name = (invoice.name or "")[:255]
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
