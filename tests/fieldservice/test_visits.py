"""What a technician records on a visit (fieldservice.visits): parts from the van, photos,
the customer's signature, notes, and the completion that tells the customer and resolves the
ticket."""

import base64

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from fieldservice import services, visits
from fieldservice.models import WorkOrder, WorkOrderEvent, WorkOrderPart, WorkOrderPhoto
from fieldservice.models import WorkOrderStatus as S
from repairs.models import MovementKind, StockLevel, StockMovement
from tests.fieldservice.visit_helpers import (
    JPEG,
    PNG,
    SIGNATURE_URL,
    make_technician,
    on_site_visit,
    scheduled_visit,
    stock_van,
    upload,
)
from tests.repairs.helpers import make_part
from tickets.models import Message, MessageKind, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(tenant_a):
    with scope(tenant=tenant_a):
        yield tenant_a


@pytest.fixture
def technician(scoped):
    return make_technician(scoped)


@pytest.fixture
def visit(scoped, technician):
    return on_site_visit(scoped, technician)


def actions(work_order) -> list[str]:
    return list(
        WorkOrderEvent.objects.filter(work_order=work_order)
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- parts ----------------------------------------------------------------------------------------


def test_a_part_fitted_comes_out_of_the_technicians_van(scoped, technician, visit):
    part = make_part(scoped)
    van = stock_van(scoped, technician, part, 5)
    used = visits.visit_part_use(work_order=visit, actor=technician, part=part, quantity=2)
    level = StockLevel.objects.get(part=part, location=van)
    assert (level.on_hand, used.quantity, used.movement.kind) == (3, 2, MovementKind.CONSUMED)
    assert (used.movement.ticket, used.movement.location) == (visit.ticket, van)
    assert actions(visit)[-1] == "part_used"


def test_it_refuses_more_parts_than_the_van_holds_and_writes_nothing(scoped, technician, visit):
    part = make_part(scoped)
    van = stock_van(scoped, technician, part, 1)
    events_before = actions(visit)
    with pytest.raises(ValidationError) as refused:
        visits.visit_part_use(work_order=visit, actor=technician, part=part, quantity=2)
    assert "Only 1" in refused.value.message_dict["quantity"][0]
    assert StockLevel.objects.get(part=part, location=van).on_hand == 1
    assert not WorkOrderPart.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.CONSUMED).exists()
    assert actions(visit) == events_before


def test_it_takes_no_part_from_another_technicians_van(scoped, technician, visit):
    part = make_part(scoped)
    stock_van(scoped, make_technician(scoped, "zhao@acme.test"), part, 5)
    with pytest.raises(ValidationError) as refused:
        visits.visit_part_use(work_order=visit, actor=technician, part=part, quantity=1)
    assert "part" in refused.value.message_dict
    assert not WorkOrderPart.objects.exists()


def test_it_fits_no_part_before_checking_in(scoped, technician):
    visit = scheduled_visit(scoped, technician)
    part = make_part(scoped)
    stock_van(scoped, technician, part, 5)
    with pytest.raises(ValidationError):
        visits.visit_part_use(work_order=visit, actor=technician, part=part, quantity=1)
    assert not WorkOrderPart.objects.exists()


# --- photos ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [PNG, JPEG])
def test_it_keeps_a_jpeg_or_png_photo(scoped, technician, visit, content):
    photo = visits.visit_photo_add(
        work_order=visit, actor=technician, upload=upload(content, "IMG_1.heic"), caption=" Pump "
    )
    assert photo.file.read() == content
    assert (photo.caption, photo.uploaded_by) == ("Pump", technician)
    assert actions(visit)[-1] == "photo_added"


def test_it_refuses_a_photo_that_is_not_an_image_whatever_its_name(scoped, technician, visit):
    page = upload(b"<html><script>alert(1)</script></html>", "photo.png", "image/png")
    with pytest.raises(ValidationError) as refused:
        visits.visit_photo_add(work_order=visit, actor=technician, upload=page)
    assert refused.value.message_dict["photo"] == ["Only JPEG or PNG photos are accepted."]
    assert not WorkOrderPhoto.objects.exists()


def test_it_refuses_a_photo_over_the_size_limit(scoped, technician, visit, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = len(PNG) - 1
    with pytest.raises(ValidationError) as refused:
        visits.visit_photo_add(work_order=visit, actor=technician, upload=upload(PNG))
    assert "larger than" in refused.value.message_dict["photo"][0]
    assert not WorkOrderPhoto.objects.exists()


# --- signature ------------------------------------------------------------------------------------


def test_it_stores_the_customers_signature(scoped, technician, visit):
    visits.visit_sign(
        work_order=visit, actor=technician, signed_by=" Li Lei ", data_url=SIGNATURE_URL
    )
    stored = WorkOrder.objects.get(pk=visit.pk)
    assert stored.signature.read() == PNG
    assert stored.signed_by == "Li Lei"
    assert stored.signed_at is not None
    assert actions(visit)[-1] == "signed"


@pytest.mark.parametrize(
    "data_url",
    [
        "data:image/jpeg;base64," + base64.b64encode(JPEG).decode(),
        "data:image/png;base64," + base64.b64encode(JPEG).decode(),
        "data:image/png;base64,not base64!",
        "",
    ],
    ids=["jpeg", "jpeg-called-png", "garbage", "empty"],
)
def test_it_refuses_a_signature_that_is_not_a_png(scoped, technician, visit, data_url):
    with pytest.raises(ValidationError) as refused:
        visits.visit_sign(work_order=visit, actor=technician, signed_by="Li Lei", data_url=data_url)
    assert "signature" in refused.value.message_dict
    assert not WorkOrder.objects.get(pk=visit.pk).signature


def test_it_refuses_a_signature_over_the_cap(scoped, technician, visit):
    big = PNG + b"\x00" * visits.SIGNATURE_MAX_BYTES
    data_url = "data:image/png;base64," + base64.b64encode(big).decode()
    with pytest.raises(ValidationError) as refused:
        visits.visit_sign(work_order=visit, actor=technician, signed_by="Li Lei", data_url=data_url)
    assert "larger than" in refused.value.message_dict["signature"][0]


def test_a_signature_needs_the_signers_name(scoped, technician, visit):
    with pytest.raises(ValidationError) as refused:
        visits.visit_sign(work_order=visit, actor=technician, signed_by=" ", data_url=SIGNATURE_URL)
    assert "signed_by" in refused.value.message_dict


# --- notes ----------------------------------------------------------------------------------------


def test_notes_are_kept_and_audited_with_the_old_text(scoped, technician):
    visit = scheduled_visit(scoped, technician)
    visits.visit_notes_update(work_order=visit, actor=technician, work_done="Bring a pump")
    visits.visit_notes_update(work_order=visit, actor=technician, work_done="Bring two pumps")
    row = WorkOrderEvent.objects.filter(work_order=visit, action="notes_changed").last()
    assert WorkOrder.objects.get(pk=visit.pk).work_done == "Bring two pumps"
    assert (row.old_value, row.new_value) == ("Bring a pump", "Bring two pumps")


# --- completion -----------------------------------------------------------------------------------


def public_replies(ticket):
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC, author_member__isnull=False)
    )


def test_completing_the_last_visit_replies_to_the_customer_and_resolves_the_ticket(
    scoped, technician, visit
):
    part = make_part(scoped, name="Drain pump")
    stock_van(scoped, technician, part, 3)
    visits.visit_part_use(work_order=visit, actor=technician, part=part, quantity=1)
    visits.visit_sign(
        work_order=visit, actor=technician, signed_by="Li Lei", data_url=SIGNATURE_URL
    )
    visits.visit_complete(work_order=visit, actor=technician, work_done="Replaced the drain pump.")
    visit.refresh_from_db()
    visit.ticket.refresh_from_db()
    [reply] = public_replies(visit.ticket)
    assert (visit.status, visit.work_done) == (S.COMPLETED, "Replaced the drain pump.")
    assert visit.checked_out_at is not None
    assert reply.author_member == technician
    assert "Replaced the drain pump." in reply.body
    assert "1 × Drain pump (CMP-100)" in reply.body
    assert "Li Lei" in reply.body
    assert visit.ticket.status == Status.RESOLVED


def test_completing_leaves_the_ticket_open_while_another_work_order_is_open(
    scoped, technician, visit
):
    scheduled_visit(scoped, make_technician(scoped, "zhao@acme.test"), ticket=visit.ticket)
    visits.visit_complete(work_order=visit, actor=technician, work_done="Cleaned the filter.")
    visit.ticket.refresh_from_db()
    assert len(public_replies(visit.ticket)) == 1
    assert visit.ticket.status == Status.OPEN


def test_the_completion_summary_is_in_the_customers_language(scoped, technician, visit):
    customer = visit.ticket.customer
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    visits.visit_complete(work_order=visit, actor=technician, work_done="更换了排水泵。")
    [reply] = public_replies(visit.ticket)
    assert "技术人员" in reply.body


@pytest.mark.parametrize("work_done", ["", "   "])
def test_completing_needs_the_work_done(scoped, technician, visit, work_done):
    with pytest.raises(ValidationError) as refused:
        visits.visit_complete(work_order=visit, actor=technician, work_done=work_done)
    assert "work_done" in refused.value.message_dict
    assert WorkOrder.objects.get(pk=visit.pk).status == S.ON_SITE
    assert public_replies(visit.ticket) == []


def test_completing_needs_being_on_site(scoped, technician):
    visit = scheduled_visit(scoped, technician)
    services.work_order_move(work_order=visit, actor=technician, status=S.EN_ROUTE)
    with pytest.raises(ValidationError):
        visits.visit_complete(work_order=visit, actor=technician, work_done="Done.")
    assert WorkOrder.objects.get(pk=visit.pk).status == S.EN_ROUTE
    assert public_replies(visit.ticket) == []


def test_could_not_complete_needs_a_reason_and_tells_the_customer_nothing(
    scoped, technician, visit
):
    with pytest.raises(ValidationError) as refused:
        services.work_order_move(
            work_order=visit, actor=technician, status=S.COULD_NOT_COMPLETE, reason=" "
        )
    assert "reason" in refused.value.message_dict
    services.work_order_move(
        work_order=visit, actor=technician, status=S.COULD_NOT_COMPLETE, reason="No power."
    )
    visit.ticket.refresh_from_db()
    assert (visit.status, visit.outcome_reason) == (S.COULD_NOT_COMPLETE, "No power.")
    assert public_replies(visit.ticket) == []
    assert visit.ticket.status != Status.RESOLVED
