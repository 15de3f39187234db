"""What a technician records on a visit: notes, parts fitted from their van, photos, the
customer's signature, and the completion that tells the customer and resolves the ticket.

Each public function is one transaction and records its change through
``helpdesk.audit.audit_record`` on the work order. Status changes go through
``fieldservice.services.work_order_move``, which sends the domain event; nothing here sends
another. Everything but the notes needs the visit to be on site: parts, photos and the
signature are what happened there.

Preconditions for all of them: the tenant scope is active and the caller has checked that
``actor`` may see the work order (``fieldservice.selectors.work_order_get_for_member``).
"""

import base64
import binascii

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldservice.models import WorkOrder, WorkOrderPart, WorkOrderPhoto
from fieldservice.models import WorkOrderStatus as S
from fieldservice.services import work_order_move
from helpdesk.audit import audit_record
from helpdesk.models import Membership
from repairs.models import LocationKind, Part, StockLocation
from repairs.services import stock_consume
from tickets.models import ACTIVE_STATUSES, Status
from tickets.services import ticket_change_status, ticket_reply

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PHOTO_NAMES = {PNG_MAGIC: "photo.png", JPEG_MAGIC: "photo.jpg"}
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_PREFIX = "data:image/png;base64,"
# A work order in one of these needs nothing more; any other keeps its ticket open.
FINISHED = (S.COMPLETED, S.DELIVERED)
NOTES_OPEN = (S.SCHEDULED, S.EN_ROUTE, S.ON_SITE)


# --- notes ----------------------------------------------------------------------------------------


@transaction.atomic
def visit_notes_update(*, work_order: WorkOrder, actor: Membership, work_done: str) -> WorkOrder:
    """Replace the visit's notes (the work done). ``ValidationError`` on ``work_done`` once
    the visit is over."""
    if work_order.status not in NOTES_OPEN:
        raise ValidationError({"work_done": _("The notes of a finished visit cannot change.")})
    old = work_order.work_done
    new = work_done.strip()
    if new == old:
        return work_order
    WorkOrder.objects.filter(pk=work_order.pk).update(work_done=new, updated_at=timezone.now())
    work_order.work_done = new
    audit_record(
        tenant=work_order.tenant_id,
        actor=actor,
        action="notes_changed",
        target=work_order,
        field="work_done",
        old=old,
        new=new,
    )
    return work_order


# --- parts ----------------------------------------------------------------------------------------


def van_of(technician: Membership | None) -> StockLocation | None:
    """The technician's van (the first active one if an admin gave them two)."""
    if technician is None:
        return None
    vans = StockLocation.objects.filter(kind=LocationKind.VAN, holder=technician, is_active=True)
    return vans.order_by("pk").first()


@transaction.atomic
def visit_part_use(
    *, work_order: WorkOrder, actor: Membership, part: Part, quantity: int
) -> WorkOrderPart:
    """``quantity`` of ``part`` fitted on the visit, taken from the free stock of the visit's
    technician's van for the ticket. ``ValidationError`` on ``quantity`` when the van does not
    hold so many, on ``part`` when there is no van; then nothing is written."""
    _require_on_site(work_order)
    van = van_of(work_order.technician)
    if van is None:
        raise ValidationError(
            {"part": _("The technician of this visit has no van to take parts from.")}
        )
    movement = stock_consume(
        tenant=work_order.tenant,
        actor=actor,
        part=part,
        location=van,
        quantity=quantity,
        ticket=work_order.ticket,
        note=str(work_order),
    )
    used = WorkOrderPart.objects.create(
        tenant_id=work_order.tenant_id,
        work_order=work_order,
        part=part,
        quantity=quantity,
        movement=movement,
    )
    audit_record(
        tenant=work_order.tenant_id,
        actor=actor,
        action="part_used",
        target=work_order,
        data={"part": part.part_number, "quantity": quantity, "location": van.pk},
    )
    return used


# --- photos ---------------------------------------------------------------------------------------


def photo_refusal(upload: UploadedFile) -> str:
    """Why ``upload`` is not a photo we keep ("" if it is): larger than the attachment limit,
    or content that is neither JPEG nor PNG whatever its name and claimed type say."""
    max_bytes = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        return _("The photo is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)}
    if photo_name(upload) is None:
        return _("Only JPEG or PNG photos are accepted.")
    return ""


def photo_name(file) -> str | None:
    """``photo.png`` or ``photo.jpg`` by the file's first bytes, None for anything else.
    Leaves the file at its start."""
    file.seek(0)
    head = file.read(len(PNG_MAGIC))
    file.seek(0)
    return next((name for magic, name in PHOTO_NAMES.items() if head.startswith(magic)), None)


@transaction.atomic
def visit_photo_add(
    *, work_order: WorkOrder, actor: Membership, upload: UploadedFile, caption: str = ""
) -> WorkOrderPhoto:
    """Keep a photo taken on site. ``ValidationError`` on ``photo`` for a refused file."""
    _require_on_site(work_order)
    refusal = photo_refusal(upload)
    if refusal:
        raise ValidationError({"photo": refusal})
    photo = WorkOrderPhoto.objects.create(
        tenant_id=work_order.tenant_id,
        work_order=work_order,
        file=upload,
        caption=caption.strip()[:200],
        uploaded_by=actor,
    )
    audit_record(
        tenant=work_order.tenant_id,
        actor=actor,
        action="photo_added",
        target=work_order,
        data={"photo": photo.pk},
    )
    return photo


# --- signature ------------------------------------------------------------------------------------


def signature_png(data_url: str) -> bytes:
    """The PNG inside a ``data:image/png;base64,…`` URL drawn on the phone's canvas.
    ``ValidationError`` on ``signature`` for anything else or one over the cap."""
    refused = ValidationError(
        {"signature": _("The signature could not be read; please sign again.")}
    )
    if not data_url.startswith(SIGNATURE_PREFIX):
        raise refused
    encoded = data_url.removeprefix(SIGNATURE_PREFIX)
    # Base64 is 4/3 of the bytes: refuse an oversized one before decoding it.
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise _signature_too_large()
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise refused from None
    if len(content) > SIGNATURE_MAX_BYTES:
        raise _signature_too_large()
    if not content.startswith(PNG_MAGIC):
        raise refused
    return content


def _signature_too_large() -> ValidationError:
    limit = filesizeformat(SIGNATURE_MAX_BYTES)
    return ValidationError(
        {"signature": _("The signature is larger than %(limit)s.") % {"limit": limit}}
    )


@transaction.atomic
def visit_sign(
    *, work_order: WorkOrder, actor: Membership, signed_by: str, data_url: str
) -> WorkOrder:
    """The customer signed on the technician's phone. A new signature replaces the last.
    ``ValidationError`` on ``signed_by`` without a name, on ``signature`` for a bad image."""
    _require_on_site(work_order)
    signed_by = signed_by.strip()
    if not signed_by:
        raise ValidationError({"signed_by": _("Write the name of the person who signed.")})
    content = signature_png(data_url)
    work_order.signature.save("signature.png", ContentFile(content), save=False)
    work_order.signed_by = signed_by[:100]
    work_order.signed_at = timezone.now()
    work_order.updated_at = work_order.signed_at
    work_order.save(update_fields=["signature", "signed_by", "signed_at", "updated_at"])
    audit_record(
        tenant=work_order.tenant_id,
        actor=actor,
        action="signed",
        target=work_order,
        field="signed_by",
        new=work_order.signed_by,
    )
    return work_order


# --- completion -----------------------------------------------------------------------------------


@transaction.atomic
def visit_complete(*, work_order: WorkOrder, actor: Membership, work_done: str) -> WorkOrder:
    """Check out of a visit done: keep the work done (required), move to ``completed``, tell
    the customer in a public reply on the ticket (the work done, the parts fitted, who
    signed), and resolve the ticket when no other work order of it is still open.
    ``ValidationError`` on ``status`` when not on site, on ``work_done`` when empty; then
    nothing changes."""
    _require_on_site(work_order)
    if not work_done.strip():
        raise ValidationError({"work_done": _("Write what was done before completing the visit.")})
    visit_notes_update(work_order=work_order, actor=actor, work_done=work_done)
    work_order_move(work_order=work_order, actor=actor, status=S.COMPLETED)
    ticket = work_order.ticket
    ticket_reply(ticket=ticket, actor=actor, body=completion_summary(work_order))
    ticket.refresh_from_db()
    others_open = ticket.work_orders.exclude(pk=work_order.pk).exclude(status__in=FINISHED)
    if ticket.status in ACTIVE_STATUSES and not others_open.exists():
        ticket_change_status(ticket=ticket, actor=actor, status=Status.RESOLVED)
    return work_order


def completion_summary(work_order: WorkOrder) -> str:
    """The public reply of a completed visit, in the customer's language."""
    customer = work_order.ticket.customer
    language = (customer.language if customer else "") or work_order.tenant.default_language
    with translation.override(language):
        lines = [
            _("Our technician has completed the visit."),
            "",
            _("Work done:"),
            work_order.work_done,
        ]
        parts = list(work_order.parts_used.select_related("part"))
        if parts:
            lines += ["", _("Parts fitted:")]
            lines += [f"- {used.quantity} × {_part_name(used.part, language)}" for used in parts]
        if work_order.signed_by:
            lines += ["", _("Signed on completion by %(name)s.") % {"name": work_order.signed_by}]
        return "\n".join(lines)


def _part_name(part: Part, language: str) -> str:
    name = part.name_zh if language.startswith("zh") and part.name_zh else part.name
    return f"{name} ({part.part_number})"


def _require_on_site(work_order: WorkOrder) -> None:
    if work_order.status != S.ON_SITE:
        raise ValidationError({"status": _("Check in on site first.")})
