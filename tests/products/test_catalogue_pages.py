"""Catalogue and installed-base pages: lists with their filters, forms with errors naming the
field and nothing half-written, who may change the catalogue, the warranty override."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from products.models import Product, Unit, UnitEvent
from products.services import product_create, unit_register
from tests.conftest import client_for
from tests.factories import CustomerFactory


@pytest.fixture
def cooler(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        return product_create(
            tenant=tenant_a,
            actor=admin_a,
            model_code="AC-9000",
            name="Air conditioner",
            name_zh="空调",
            product_line="Cooling",
            warranty_months=12,
        )


@pytest.fixture
def owner(tenant_a):
    return CustomerFactory(
        tenant=tenant_a, name="Li Lei", email="li@example.test", phone="13800138000"
    )


def register(tenant, actor, product, customer, serial, purchased_on):
    with scope(tenant=tenant):
        return unit_register(
            tenant=tenant,
            actor=actor,
            serial=serial,
            product=product,
            customer=customer,
            purchased_on=purchased_on,
        )


def test_it_lists_and_searches_the_catalogue_for_agents_without_edit_links(
    agent_client_a, tenant_a, admin_a, cooler
):
    with scope(tenant=tenant_a):
        product_create(
            tenant=tenant_a, actor=admin_a, model_code="WP-1", name="Purifier", product_line="Water"
        )
    page = agent_client_a.get("/products/", {"q": "空调"}).content.decode()
    assert "AC-9000" in page and "WP-1" not in page
    assert "/products/new/" not in page
    by_line = agent_client_a.get("/products/", {"line": "Water"}).content.decode()
    assert "WP-1" in by_line and "AC-9000" not in by_line
    assert agent_client_a.get("/products/new/").status_code == 404
    assert agent_client_a.get(f"/products/{cooler.pk}/edit/").status_code == 404
    assert agent_client_a.get(f"/products/{cooler.pk}/").status_code == 200


def test_it_creates_and_edits_a_product_as_admin_with_audited_changes(
    admin_client_a, tenant_a, cooler
):
    form = {"model_code": "HP-7", "name": "Heat pump", "warranty_months": "36", "is_active": "on"}
    created = admin_client_a.post("/products/new/", form)
    assert created.status_code == 302
    duplicate = admin_client_a.post("/products/new/", {**form, "model_code": "ac-9000"})
    assert duplicate.status_code == 400
    assert "A product with this model code exists." in duplicate.content.decode()
    edited = admin_client_a.post(
        f"/products/{cooler.pk}/edit/",
        {"model_code": "AC-9000", "name": "Split air conditioner", "warranty_months": "24"},
    )
    assert edited.status_code == 302
    with scope(tenant=tenant_a):
        assert Product.objects.count() == 2
        cooler.refresh_from_db()
        assert (cooler.name, cooler.warranty_months, cooler.is_active) == (
            "Split air conditioner",
            24,
            False,
        )


def test_it_registers_a_unit_with_the_owner_picked_by_email(
    agent_client_a, tenant_a, cooler, owner
):
    form = {
        "serial": "acm ac 000123",
        "product": cooler.pk,
        "customer": "LI@example.test",
        "purchased_on": "2026-03-01",
    }
    response = agent_client_a.post("/units/new/", form)
    with scope(tenant=tenant_a):
        unit = Unit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/units/{unit.pk}/"
    assert (unit.serial, unit.customer_id) == ("ACMAC000123", owner.pk)


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        ({"serial": "ACMAC 000123"}, "A unit with this serial number is registered already."),
        ({"customer": "nobody@example.test"}, "No customer has this e-mail address"),
        ({"purchased_on": "2999-01-01"}, "The purchase date cannot be in the future."),
        ({"installed_on": "2026-02-01"}, "The installation cannot come before the purchase."),
    ],
)
def test_it_refuses_bad_registrations_naming_the_field_and_writes_nothing(
    agent_client_a, tenant_a, admin_a, cooler, owner, change, field_error
):
    register(tenant_a, admin_a, cooler, owner, "ACMAC000123", date(2026, 1, 1))
    form = {
        "serial": "new-1",
        "product": cooler.pk,
        "customer": "li@example.test",
        "purchased_on": "2026-03-01",
        **change,
    }
    response = agent_client_a.post("/units/new/", form)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 1


def test_it_filters_units_by_serial_customer_phone_product_and_warranty(
    agent_client_a, tenant_a, admin_a, cooler, owner
):
    today = timezone.localdate()
    other = CustomerFactory(tenant=tenant_a, name="Han Meimei")
    register(tenant_a, admin_a, cooler, owner, "ACM-AC-000123", today - timedelta(days=10))
    register(tenant_a, admin_a, cooler, other, "ACM-AC-000999", today - timedelta(days=900))

    def serials(query):
        page = agent_client_a.get("/units/", query).content.decode()
        return [s for s in ("ACM-AC-000123", "ACM-AC-000999") if s in page]

    assert serials({"q": "acm-ac-000 123"}) == ["ACM-AC-000123"]
    assert serials({"q": "Meimei"}) == ["ACM-AC-000999"]
    assert serials({"q": "0013 8000"}) == ["ACM-AC-000123"]
    assert serials({"product": cooler.pk}) == ["ACM-AC-000123", "ACM-AC-000999"]
    assert serials({"warranty": "in"}) == ["ACM-AC-000123"]
    assert serials({"warranty": "out"}) == ["ACM-AC-000999"]


def test_it_edits_a_unit_with_an_invoice_and_refuses_a_fake_one(
    agent_client_a, tenant_a, admin_a, cooler, owner
):
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-1", date(2026, 1, 10))
    form = {
        "customer": "li@example.test",
        "purchased_on": "2026-01-10",
        "status": "scrapped",
        "installation_address": "1 Road",
    }
    fake = SimpleUploadedFile("invoice.pdf", b"<html>not a pdf</html>")
    refused = agent_client_a.post(f"/units/{unit.pk}/edit/", {**form, "invoice": fake})
    assert refused.status_code == 400
    assert "invoice.pdf: the content is not a .pdf file" in refused.content.decode()
    with scope(tenant=tenant_a):
        unit.refresh_from_db()
        assert (unit.status, unit.invoice_name) == ("active", "")
    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 the invoice")
    saved = agent_client_a.post(f"/units/{unit.pk}/edit/", {**form, "invoice": pdf})
    assert saved.status_code == 302
    with scope(tenant=tenant_a):
        unit.refresh_from_db()
        assert (unit.status, unit.invoice_name) == ("scrapped", "invoice.pdf")
        fields = set(
            UnitEvent.objects.filter(unit=unit, action="changed").values_list("field", flat=True)
        )
    assert fields == {"status", "installation_address", "invoice_name"}

    page = agent_client_a.get(f"/units/{unit.pk}/")
    assert f'href="/units/{unit.pk}/invoice/"' in page.content.decode()
    download = agent_client_a.get(f"/units/{unit.pk}/invoice/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 the invoice"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_a_unit_without_an_invoice_has_none_to_download(
    agent_client_a, tenant_a, admin_a, cooler, owner
):
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-2", date(2026, 1, 10))
    assert agent_client_a.get(f"/units/{unit.pk}/invoice/").status_code == 404


def test_it_overrides_the_warranty_with_a_reason_shown_on_the_unit_page(
    agent_client_a, tenant_a, admin_a, cooler, owner
):
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-1", date(2026, 1, 10))
    page = agent_client_a.get(f"/units/{unit.pk}/").content.decode()
    assert "In warranty until 2027-01-09" in page or "Out of warranty since 2027-01-09" in page
    missing = agent_client_a.post(f"/units/{unit.pk}/warranty/", {"until": "2030-01-01"})
    assert missing.status_code == 400
    assert "This field is required." in missing.content.decode()
    done = agent_client_a.post(
        f"/units/{unit.pk}/warranty/", {"until": "2030-01-01", "reason": "Dealer goodwill"}
    )
    assert done.status_code == 302
    page = agent_client_a.get(f"/units/{unit.pk}/").content.decode()
    assert "In warranty until 2030-01-01" in page and "Dealer goodwill" in page
    with scope(tenant=tenant_a):
        event = UnitEvent.objects.get(unit=unit, action="warranty_overridden")
    assert (event.new_value, event.data["reason"]) == ("2030-01-01", "Dealer goodwill")


def test_it_hides_the_pages_from_another_tenants_member(tenant_a, admin_a, cooler, owner, outsider):
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-1", date(2026, 1, 10))
    client = client_for(outsider, "globex.localhost")
    for url in (f"/products/{cooler.pk}/", f"/units/{unit.pk}/", f"/units/{unit.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert "ACM-1" not in client.get("/units/", {"q": "ACM"}).content.decode()


def test_it_shows_the_customers_units_with_warranty_on_the_profile(
    agent_client_a, tenant_a, admin_a, cooler, owner
):
    today = timezone.localdate()
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-AC-000123", today - timedelta(days=10))
    page = agent_client_a.get(f"/customers/{owner.pk}/").content.decode()
    assert f'href="/units/{unit.pk}/"' in page
    ends = unit.warranty_ends_on.isoformat()
    assert f"In warranty until {ends}" in page
    assert "/units/new/?customer=li%40example.test" in page


def test_it_shows_the_installed_base_in_chinese(agent_client_a, tenant_a, admin_a, cooler, owner):
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-AC-000123", date(2020, 1, 1))
    agent_client_a.post("/i18n/setlang/", {"language": "zh-hans", "next": "/units/"})
    page = agent_client_a.get("/units/").content.decode()
    assert "已登记设备" in page and "已于 2020-12-31 过保" in page
    unit_page = agent_client_a.get(f"/units/{unit.pk}/").content.decode()
    assert "调整保修截止日期" in unit_page and "登记了这台设备" in unit_page
