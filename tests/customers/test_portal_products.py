"""The signed-in customer's products in the portal: the list with warranty and requests, a
unit's page, registering a unit with its invoice, and naming a unit when filing a request.
Another customer's unit, and another tenant's, is a 404; bad input writes nothing."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from products.models import Product, Unit, UnitEvent
from tests.conftest import HOST_B, client_for
from tests.customers.helpers import clear_rate_limits, web_form
from tests.products.helpers import make_product, make_unit, portal_client_for
from tests.security.helpers import HTML_PAGE, PDF, stored_files
from tests.tickets.helpers import make_customer, make_ticket
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    clear_rate_limits()
    yield
    clear_rate_limits()


@pytest.fixture
def owner(tenant_a):
    with scope(tenant=tenant_a):
        return make_customer(tenant_a, email="han.meimei@example.cn")


@pytest.fixture
def neighbour(tenant_a):
    with scope(tenant=tenant_a):
        return make_customer(tenant_a, email="wang.wu@example.cn")


@pytest.fixture
def product(tenant_a):
    with scope(tenant=tenant_a):
        return make_product(tenant_a)


@pytest.fixture
def unit(tenant_a, owner, product):
    with scope(tenant=tenant_a):
        return make_unit(tenant_a, customer=owner, product=product)


def registration(product, **overrides) -> dict:
    data = {
        "serial": " acm-ac 000777 ",
        "product": product.pk,
        "purchased_on": "2026-05-04",
        "purchase_channel": "JD.com",
        "installation_address": "上海市浦东新区 1 号",
        "invoice": SimpleUploadedFile("发票.pdf", PDF + b"rest", content_type="application/pdf"),
    }
    return {**data, **overrides}


def test_it_lists_only_the_customers_units_with_warranty_and_their_requests(
    tenant_a, owner, neighbour, product, unit
):
    with scope(tenant=tenant_a):
        make_unit(tenant_a, customer=neighbour, product=product, serial="NEIGHBOUR-1")
        make_unit(
            tenant_a,
            customer=owner,
            product=product,
            serial="OLD-1",
            purchased_on=date(2020, 1, 1),
        )
        make_ticket(tenant_a, customer=owner, unit=unit, subject="Noise at night")
        make_ticket(tenant_a, customer=neighbour, unit=unit, subject="Borrowed it")
    page = portal_client_for(owner).get("/support/products/").content.decode()
    assert "ACM-AC-000123" in page and "OLD-1" in page and "NEIGHBOUR-1" not in page
    assert "In warranty until 2027-02-28" in page and "Out of warranty" in page
    assert "Noise at night" in page and "Borrowed it" not in page
    assert "Air conditioner" in page and "2026-03-01" in page


def _queries_for_the_list(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/support/products/").status_code == 200
    return len(queries)


def test_it_runs_as_many_queries_for_six_units_as_for_one(tenant_a, owner, product):
    client = portal_client_for(owner)
    _queries_for_the_list(client)  # the first request of a session reads more (caches warm)
    counts = []
    for batch in (range(1), range(1, 6)):
        with scope(tenant=tenant_a):
            for n in batch:
                unit = make_unit(tenant_a, customer=owner, product=product, serial=f"SN-{n}")
                make_ticket(tenant_a, customer=owner, unit=unit)
        counts.append(_queries_for_the_list(client))
    assert counts[0] == counts[1]


def test_it_shows_a_units_page_to_its_owner_only(tenant_a, owner, neighbour, unit):
    with scope(tenant=tenant_a):
        make_ticket(tenant_a, customer=owner, unit=unit, subject="Remote lost")
    page = portal_client_for(owner).get(f"/support/products/{unit.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Remote lost" in text and "2027-02-28" in text and "ACM-AC-000123" in text
    assert portal_client_for(neighbour).get(f"/support/products/{unit.pk}/").status_code == 404
    assert portal_client_for(owner).get("/support/products/999999/").status_code == 404


def test_it_gives_nothing_of_tenant_a_on_tenant_bs_host(tenant_a, tenant_b, owner, unit):
    with scope(tenant=tenant_b):
        stranger = make_customer(tenant_b, email="han.meimei@example.cn")
    on_b = portal_client_for(stranger, host=HOST_B)
    assert on_b.get(f"/support/products/{unit.pk}/").status_code == 404
    assert "ACM-AC-000123" not in on_b.get("/support/products/").content.decode()


def test_it_sends_a_visitor_who_is_not_signed_in_to_sign_in(tenant_a, unit):
    visitor = client_for()
    for path in (
        "/support/products/",
        f"/support/products/{unit.pk}/",
        "/support/products/register/",
    ):
        response = visitor.get(path)
        assert response.status_code == 302 and response["Location"] == "/support/sign-in/"


def test_it_registers_a_unit_with_its_invoice_and_audits_it(tenant_a, owner, product):
    response = portal_client_for(owner).post("/support/products/register/", registration(product))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        unit = Unit.objects.get()
        event = UnitEvent.objects.get(unit=unit)
        assert response["Location"] == f"/support/products/{unit.pk}/"
        assert (unit.serial, unit.customer, unit.product) == ("ACM-AC000777", owner, product)
        assert (unit.purchased_on, unit.purchase_channel) == (date(2026, 5, 4), "JD.com")
        assert unit.installation_address == "上海市浦东新区 1 号"
        assert unit.invoice_name == "发票.pdf"
        with unit.invoice.open("rb") as stored:
            assert stored.read() == PDF + b"rest"
        assert event.action == "registered" and event.data["invoice"] == "发票.pdf"
        assert event.actor_label == "customer portal"


def _assert_nothing_written(tenant, files_before):
    with scope(tenant=tenant):
        assert not Unit.objects.exists() and not UnitEvent.objects.exists()
    assert stored_files() == files_before


def test_the_owner_downloads_their_invoice_and_nobody_else_does(
    tenant_a, owner, neighbour, product
):
    client = portal_client_for(owner)
    data = {
        "serial": "ACM-AC-000777",
        "product": product.pk,
        "purchased_on": "2026-05-01",
        "invoice": SimpleUploadedFile("fapiao.pdf", PDF, content_type="application/pdf"),
    }
    assert client.post("/support/products/register/", data).status_code == 302
    with scope(tenant=tenant_a):
        unit = Unit.objects.get(serial="ACM-AC-000777")

    page = client.get(f"/support/products/{unit.pk}/").content.decode()
    assert f'href="/support/products/{unit.pk}/invoice/"' in page
    download = client.get(f"/support/products/{unit.pk}/invoice/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        portal_client_for(neighbour).get(f"/support/products/{unit.pk}/invoice/").status_code == 404
    )


def test_it_refuses_a_serial_registered_already_keeping_what_was_typed(
    tenant_a, owner, neighbour, product
):
    with scope(tenant=tenant_a):
        make_unit(tenant_a, customer=neighbour, product=product, serial="ACM-AC000777")
        files_before = stored_files()
    response = portal_client_for(owner).post("/support/products/register/", registration(product))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_serial_errors"' in page
    assert "A unit with this serial number is registered already." in page
    assert "send us a request with the serial number and your invoice" in page
    assert "JD.com" in page and "2026-05-04" in page  # what was typed stays
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 1 and not Unit.objects.filter(customer=owner).exists()
    assert stored_files() == files_before


def test_it_refuses_a_purchase_date_in_the_future(tenant_a, owner, product):
    files_before = stored_files()
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = portal_client_for(owner).post(
        "/support/products/register/", registration(product, purchased_on=tomorrow)
    )
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_purchased_on_errors"' in page
    assert "The purchase date cannot be in the future." in page
    _assert_nothing_written(tenant_a, files_before)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", HTML_PAGE, "the content is not a .pdf file"),
        ("invoice.docx", b"PK\x03\x04", "only PDF, JPEG or PNG files are accepted"),
        ("invoice.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2048, "is larger than"),
    ],
)
def test_it_refuses_a_bad_invoice(tenant_a, owner, product, settings, name, content, message):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1024
    files_before = stored_files()
    invoice = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = portal_client_for(owner).post(
        "/support/products/register/", registration(product, invoice=invoice)
    )
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_invoice_errors"' in page
    assert message in page
    assert "ACM-AC 000777" in page or "acm-ac 000777" in page
    _assert_nothing_written(tenant_a, files_before)


def test_it_offers_only_the_tenants_active_products(tenant_a, tenant_b, owner, product):
    with scope(tenant=tenant_a):
        retired = make_product(tenant_a, model_code="OLD-9", name="Retired fan")
        Product.objects.filter(pk=retired.pk).update(is_active=False)
    with scope(tenant=tenant_b):
        make_product(tenant_b, model_code="GX-1", name="Globex heater")
    page = portal_client_for(owner).get("/support/products/register/").content.decode()
    assert "Air conditioner (AC-9)" in page
    assert "Retired fan" not in page and "Globex heater" not in page


def test_it_limits_registrations_per_customer(tenant_a, owner, product, settings):
    settings.HELPDESK_PORTAL_RATE_PER_HOUR = 1
    client = portal_client_for(owner)
    first = client.post("/support/products/register/", registration(product, serial="A-1"))
    second = client.post("/support/products/register/", registration(product, serial="A-2"))
    assert (first.status_code, second.status_code) == (302, 429)
    with scope(tenant=tenant_a):
        assert list(Unit.objects.values_list("serial", flat=True)) == ["A-1"]


def test_it_files_a_request_about_a_unit_the_customer_picks(
    tenant_a, owner, unit, django_capture_on_commit_callbacks
):
    client = portal_client_for(owner)
    form = client.get(f"/support/?unit={unit.pk}").content.decode()
    assert 'name="unit"' in form and "ACM-AC-000123" in form
    assert 'value="han.meimei@example.cn"' in form  # known details are filled in
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/support/", web_form(unit=unit.pk))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert (ticket.unit, ticket.customer, ticket.product_model) == (unit, owner, "AC-9")


def test_it_refuses_someone_elses_unit_when_filing(tenant_a, owner, neighbour, product):
    with scope(tenant=tenant_a):
        theirs = make_unit(tenant_a, customer=neighbour, product=product, serial="NB-1")
    response = portal_client_for(owner).post("/support/", web_form(unit=theirs.pk))
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_unit_errors"' in page
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_it_offers_no_unit_to_a_visitor_who_is_not_signed_in(tenant_a, unit):
    page = client_for().get("/support/").content.decode()
    assert 'name="unit"' not in page and "ACM-AC-000123" not in page


def test_it_speaks_chinese_on_the_product_pages(tenant_a, owner, unit):
    client = portal_client_for(owner)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/support/"})
    listing = client.get("/support/products/").content.decode()
    assert "我的产品" in listing and "空调" in listing and "保修期至 2027-02-28" in listing
    register = client.get("/support/products/register/").content.decode()
    assert "登记产品" in register and "购买日期" in register and "发票" in register


def test_my_requests_run_as_many_queries_for_six_tickets_as_for_one(tenant_a, owner):
    client = portal_client_for(owner)
    client.get("/support/mine/")  # the first request of a session reads more (caches warm)
    counts = []
    for batch in (range(1), range(5)):
        with scope(tenant=tenant_a):
            for _ in batch:
                make_ticket(tenant_a, customer=owner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/support/mine/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
