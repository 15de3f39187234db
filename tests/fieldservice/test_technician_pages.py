"""The technician's pages: the day's visits and a job, with the moves, parts, photos, the
signature and completion done through them. Who sees what: a technician only their own jobs,
a coordinator everyone's, another tenant's member nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from fieldservice import visits
from fieldservice.models import WorkOrder, WorkOrderPart, WorkOrderPhoto
from fieldservice.models import WorkOrderStatus as S
from repairs.models import StockLevel
from tests.conftest import HOST_A, client_for, sign_in_on_host
from tests.fieldservice.visit_helpers import (
    PNG,
    SIGNATURE_URL,
    make_technician,
    on_site_visit,
    scheduled_visit,
    stock_van,
    upload,
)
from tests.repairs.helpers import make_part
from tests.tickets.helpers import make_customer, make_ticket
from tickets.models import Status

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def technician(tenant_a):
    with scope(tenant=tenant_a):
        return make_technician(tenant_a)


@pytest.fixture
def colleague(tenant_a):
    with scope(tenant=tenant_a):
        return make_technician(tenant_a, "zhao@acme.test")


def job_url(job, name="fieldservice_job", **kwargs) -> str:
    return reverse(name, kwargs={"pk": job.pk, **kwargs})


def at(day_offset: int, hour: int) -> datetime:
    today = datetime.now(SHANGHAI).date() + timedelta(days=day_offset)
    return datetime(today.year, today.month, today.day, hour, tzinfo=SHANGHAI)


# --- the day --------------------------------------------------------------------------------------


def test_the_day_lists_the_technicians_own_visits_in_appointment_order(
    tenant_a, technician, colleague
):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        customer.phone = "13800138000"
        customer.save()
        late = scheduled_visit(tenant_a, technician, start=at(0, 15))
        early = scheduled_visit(
            tenant_a, technician, start=at(0, 9), ticket=make_ticket(tenant_a, customer=customer)
        )
        tomorrow = scheduled_visit(tenant_a, technician, start=at(1, 9))
        theirs = scheduled_visit(tenant_a, colleague, start=at(0, 11))
    page = client_for(technician).get(reverse("fieldservice_day"))
    html = page.content.decode()
    jobs = list(page.context["jobs"])
    assert jobs == [early, late]
    assert tomorrow not in jobs and theirs not in jobs
    assert 'href="tel:13800138000"' in html
    assert "https://uri.amap.com/search?keyword=" in html
    next_page = client_for(technician).get(reverse("fieldservice_day"), {"day": at(1, 0).date()})
    assert list(next_page.context["jobs"]) == [tomorrow]


def test_the_day_list_runs_a_constant_number_of_queries(
    tenant_a, technician, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        for hour in (8, 10, 12, 14, 16):
            scheduled_visit(tenant_a, technician, start=at(0, hour), hours=1)
    client = client_for(technician)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("fieldservice_day"))
    assert len(page.context["jobs"]) == 5


def test_a_technician_cannot_see_another_technicians_day_or_job(tenant_a, technician, colleague):
    with scope(tenant=tenant_a):
        theirs = scheduled_visit(tenant_a, colleague, start=at(0, 11))
    client = client_for(technician)
    assert client.get(reverse("fieldservice_day"), {"technician": colleague.pk}).status_code == 404
    assert client.get(job_url(theirs)).status_code == 404
    moved = client.post(job_url(theirs, "fieldservice_job_move"), {"status": S.EN_ROUTE})
    assert moved.status_code == 404
    with scope(tenant=tenant_a):
        assert WorkOrder.objects.get(pk=theirs.pk).status == S.SCHEDULED


def test_a_coordinator_sees_any_technicians_day_and_job(tenant_a, technician):
    with scope(tenant=tenant_a):
        coordinator = make_technician(tenant_a, "lead@acme.test", coordinator=True)
        job = scheduled_visit(tenant_a, technician, start=at(0, 11))
    client = client_for(coordinator)
    day = client.get(reverse("fieldservice_day"), {"technician": technician.pk})
    assert list(day.context["jobs"]) == [job]
    assert client.get(job_url(job)).status_code == 200


def test_an_outsider_gets_404_on_every_technician_page(tenant_a, technician, outsider):
    with scope(tenant=tenant_a):
        job = on_site_visit(tenant_a, technician)
        photo = visits.visit_photo_add(work_order=job, actor=technician, upload=upload(PNG))
        visits.visit_sign(work_order=job, actor=technician, signed_by="Li", data_url=SIGNATURE_URL)
    urls = [
        reverse("fieldservice_day") + f"?technician={technician.pk}",
        job_url(job),
        job_url(job, "fieldservice_job_photo_file", photo_pk=photo.pk),
        job_url(job, "fieldservice_job_signature"),
    ]
    posts = [
        job_url(job, f"fieldservice_job_{name}")
        for name in ("move", "notes", "part", "photo", "sign", "complete")
    ]
    client = client_for(outsider)
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert [client.post(url, {"status": S.COMPLETED}).status_code for url in posts] == [404] * 6


# --- the job --------------------------------------------------------------------------------------


def test_the_technician_travels_checks_in_and_completes_through_the_page(tenant_a, technician):
    with scope(tenant=tenant_a):
        job = scheduled_visit(tenant_a, technician, start=at(0, 10))
        part = make_part(tenant_a, name="Drain pump")
        van = stock_van(tenant_a, technician, part, 4)
    client = client_for(technician)
    assert "Start travel" in client.get(job_url(job)).content.decode()
    client.post(job_url(job, "fieldservice_job_move"), {"status": S.EN_ROUTE})
    assert "Check in" in client.get(job_url(job)).content.decode()
    client.post(job_url(job, "fieldservice_job_move"), {"status": S.ON_SITE})
    client.post(job_url(job, "fieldservice_job_part"), {"part": part.pk, "quantity": 2})
    client.post(job_url(job, "fieldservice_job_photo"), {"photo": upload(PNG), "caption": "Old"})
    client.post(
        job_url(job, "fieldservice_job_sign"), {"signed_by": "Li Lei", "signature": SIGNATURE_URL}
    )
    page = client.get(job_url(job))
    html = page.content.decode()
    with scope(tenant=tenant_a):
        photo = WorkOrderPhoto.objects.get(work_order=job)
    assert job_url(job, "fieldservice_job_photo_file", photo_pk=photo.pk) in html
    assert job_url(job, "fieldservice_job_signature") in html
    image = client.get(job_url(job, "fieldservice_job_photo_file", photo_pk=photo.pk))
    assert (image["Content-Type"], b"".join(image.streaming_content)) == ("image/png", PNG)
    assert image["X-Content-Type-Options"] == "nosniff"
    signature = client.get(job_url(job, "fieldservice_job_signature"))
    assert (signature["Content-Type"], b"".join(signature.streaming_content)) == ("image/png", PNG)
    done = client.post(job_url(job, "fieldservice_job_complete"), {"work_done": "New pump."})
    assert done.status_code == 302
    with scope(tenant=tenant_a):
        job.refresh_from_db()
        assert (job.status, job.signed_by) == (S.COMPLETED, "Li Lei")
        assert WorkOrderPart.objects.get(work_order=job).quantity == 2
        assert StockLevel.objects.get(part=part, location=van).on_hand == 2
        assert job.ticket.status == Status.RESOLVED


def test_too_many_parts_shows_an_error_and_records_nothing(tenant_a, technician):
    with scope(tenant=tenant_a):
        job = on_site_visit(tenant_a, technician)
        part = make_part(tenant_a)
        stock_van(tenant_a, technician, part, 1)
    client = client_for(technician)
    response = client.post(
        job_url(job, "fieldservice_job_part"), {"part": part.pk, "quantity": 3}, follow=True
    )
    assert "Only 1 of part CMP-100" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not WorkOrderPart.objects.exists()


def test_a_non_image_photo_is_refused_with_a_message(tenant_a, technician):
    with scope(tenant=tenant_a):
        job = on_site_visit(tenant_a, technician)
    response = client_for(technician).post(
        job_url(job, "fieldservice_job_photo"),
        {"photo": upload(b"%PDF-1.4 not a photo", "photo.jpg", "image/jpeg")},
        follow=True,
    )
    assert "Only JPEG or PNG photos are accepted." in response.content.decode()
    with scope(tenant=tenant_a):
        assert not WorkOrderPhoto.objects.exists()


def test_complete_without_work_done_is_refused(tenant_a, technician):
    with scope(tenant=tenant_a):
        job = on_site_visit(tenant_a, technician)
    client_for(technician).post(job_url(job, "fieldservice_job_complete"), {"work_done": ""})
    with scope(tenant=tenant_a):
        assert WorkOrder.objects.get(pk=job.pk).status == S.ON_SITE


def test_a_post_without_the_csrf_token_is_refused(tenant_a, technician):
    with scope(tenant=tenant_a):
        job = scheduled_visit(tenant_a, technician)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST_A)
    sign_in_on_host(client, technician.user)
    refused = client.post(job_url(job, "fieldservice_job_move"), {"status": S.EN_ROUTE})
    assert refused.status_code == 403
    client.get(job_url(job))
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        job_url(job, "fieldservice_job_move"),
        {"status": S.EN_ROUTE, "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 302
    with scope(tenant=tenant_a):
        assert WorkOrder.objects.get(pk=job.pk).status == S.EN_ROUTE


def test_the_job_page_speaks_chinese(tenant_a, technician):
    with scope(tenant=tenant_a):
        job = on_site_visit(tenant_a, technician)
    client = client_for(technician)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(job_url(job)).content.decode()
    assert "完成上门服务" in html
    assert "客户签名" in html
    day = client.get(reverse("fieldservice_day")).content.decode()
    assert "我的上门服务" in day
