"""Importing spare parts: created or updated by normalised part number, all or nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from helpdesk.models import BackgroundJob, ConfigurationEvent, JobStatus
from repairs.models import Part
from tests.imports.helpers import catalogue, csv_upload, xlsx_upload

HEADER = (
    "part_number",
    "name",
    "name_zh",
    "unit_cost",
    "unit_price",
    "low_stock_threshold",
    "compatible_models",
)


@pytest.fixture
def objs(tenant_a, admin_a):
    return catalogue(tenant_a, admin_a)


def run(client, capture, file):
    with capture(execute=True):
        response = client.post(reverse("imports:parts"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]


def job_of(tenant) -> BackgroundJob:
    with scope(tenant=tenant):
        return BackgroundJob.objects.get()


def test_it_creates_new_parts_and_updates_known_ones_by_normalised_number(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        old = Part.objects.create(tenant=tenant_a, part_number="PUMP-1", name="Old pump")
    rows = [
        (" pump-1 ", "Drain pump", "排水泵", "35.50", "80", "5", "WM-800; dr-9"),
        ("belt-2", "Drum belt", "皮带", "12", "30.00", "", "WM-800"),
    ]
    run(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows, header=HEADER))
    job = job_of(tenant_a)
    assert job.status == JobStatus.SUCCEEDED and job.summary == {"created": 1, "updated": 1}
    with scope(tenant=tenant_a):
        pump = Part.objects.get(pk=old.pk)
        belt = Part.objects.get(part_number="BELT-2")
        assert Part.objects.count() == 2
        assert set(pump.compatible_products.all()) == {objs["washer"], objs["dryer"]}
        changed = ConfigurationEvent.objects.filter(target_type="repairs.part", action="changed")
        assert set(changed.values_list("field", flat=True)) >= {"name", "unit_cost", "unit_price"}
    assert (pump.name, pump.name_zh, pump.unit_cost) == ("Drain pump", "排水泵", Decimal("35.50"))
    assert pump.low_stock_threshold == 5
    assert (belt.unit_price, belt.low_stock_threshold) == (Decimal("30.00"), 0)


def test_it_imports_parts_from_an_xlsx_with_numbers_as_cells(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    rows = [(100234, "Filter", None, 9.9, 25, 3, "DR-9")]
    run(admin_client_a, django_capture_on_commit_callbacks, xlsx_upload(rows, header=HEADER))
    assert job_of(tenant_a).status == JobStatus.SUCCEEDED
    with scope(tenant=tenant_a):
        part = Part.objects.get(part_number="100234")
    assert (part.unit_cost, part.unit_price, part.low_stock_threshold) == (
        Decimal("9.90"),
        Decimal("25.00"),
        3,
    )


def test_it_writes_no_part_when_one_row_is_wrong_and_reports_each_cell(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    rows = [
        ("ok-1", "Good part", "", "1", "2", "0", ""),
        ("ok-2", "", "", "-3", "abc", "1.5", "WM-800, GHOST-7"),
        ("OK-1", "Twice", "", "", "", "", ""),
    ]
    run(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows, header=HEADER))
    job = job_of(tenant_a)
    assert job.status == JobStatus.FAILED
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (3, "name"),
        (3, "unit_cost"),
        (3, "unit_price"),
        (3, "low_stock_threshold"),
        (3, "compatible_models"),
        (4, "part_number"),
    ]
    assert "GHOST-7" in job.errors[4]["message"]
    with scope(tenant=tenant_a):
        assert not Part.objects.exists()
