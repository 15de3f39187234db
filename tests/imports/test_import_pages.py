"""The import pages: what the upload refuses at once (nothing queued), who may import, the
job page's progress and polling, and another tenant's job (404)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope
from openpyxl import Workbook

from helpdesk.background_jobs import JobProgress
from helpdesk.models import BackgroundJob, JobStatus
from helpdesk.platform import spreadsheets
from helpdesk.platform.csvfiles import MAX_IMPORT_BYTES
from helpdesk.platform.spreadsheets import read_table
from products.importing import units_check
from products.models import Unit
from tests.conftest import client_for
from tests.imports.helpers import UNIT_HEADER, catalogue, csv_upload, unit_row, xlsx_upload


def _zip_of_a_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def objs(tenant_a, admin_a):
    return catalogue(tenant_a, admin_a)


def jobs(tenant) -> int:
    with scope(tenant=tenant):
        return BackgroundJob.objects.count()


def refused(client, file, what="units") -> str:
    response = client.post(reverse(f"imports:{what}"), {"file": file})
    assert response.status_code == 400
    return response.content.decode()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("units.xls", b"\xd0\xcf\x11\xe0old excel"), "Upload a CSV file"),
        (SimpleUploadedFile("units.xlsx", b"PK\x03\x04broken zip"), "not an Excel workbook"),
        (SimpleUploadedFile("units.docx", _zip_of_a_document()), "not an Excel workbook"),
        (SimpleUploadedFile("units.csv", b"\xff\xfe\x00b\x00a\x00d"), "not UTF-8 or GB18030"),
        (csv_upload([], header=("serial", "model_code")), "purchased_on"),
        (csv_upload([], header=("serial", "model_code", "purchased_on")), "customer_email"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_table_of_units_and_queues_nothing(
    tenant_a, objs, admin_client_a, file, message
):
    page = refused(admin_client_a, file)
    assert message in page and 'class="errorlist' in page
    assert jobs(tenant_a) == 0


def test_it_refuses_an_over_large_file_on_the_form(tenant_a, admin_client_a):
    big = SimpleUploadedFile("units.csv", b"serial\n" + b"x" * MAX_IMPORT_BYTES)
    assert "larger than" in refused(admin_client_a, big)
    assert jobs(tenant_a) == 0


def test_it_reads_a_formulas_saved_value_and_reports_a_formula_without_one(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    # openpyxl saves formulas without a computed value, as a program that never opened the
    # file would: the import must neither evaluate "=1+1" nor take it as the serial's text.
    rows = [unit_row('=CONCAT("A","1")'), unit_row("plain-1", address='=HYPERLINK("x")')]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(reverse("imports:units"), {"file": xlsx_upload(rows)})
    with scope(tenant=tenant_a):
        job = BackgroundJob.objects.get()
        assert job.errors == [{"row": 2, "field": "serial", "message": "Give the serial number."}]
        assert not Unit.objects.exists()


def test_it_skips_blank_lines_of_a_sheet_and_numbers_rows_as_the_sheet_does():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(UNIT_HEADER))
    sheet.append([])
    sheet.append(list(unit_row("gap-1")))
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(SimpleUploadedFile("a.xlsx", buffer.getvalue()), "a.xlsx")
    assert table.headers == list(UNIT_HEADER)
    assert [(number, record["serial"]) for number, record in table.rows] == [(3, "gap-1")]


def test_it_moves_the_progress_in_steps_and_ends_with_every_row_processed(tenant_a, objs):
    records = [(n + 2, dict(zip(UNIT_HEADER, unit_row(f"p-{n}"), strict=True))) for n in range(45)]
    with scope(tenant=tenant_a):
        job = BackgroundJob.objects.create(tenant=tenant_a, kind="units_import")
        progress = JobProgress(job, every=10)
        progress.start(len(records))
        with CaptureQueriesContext(connection) as queries:
            units_check(tenant=tenant_a, records=records, progress=progress)
        job.refresh_from_db()
    writes = [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "processed" in q["sql"]
    ]
    assert len(writes) == 5  # after rows 10, 20, 30, 40 and the last one
    assert job.processed_rows == job.total_rows == 45


def test_it_polls_a_running_job_and_stops_once_it_has_ended(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        job = BackgroundJob.objects.create(
            tenant=tenant_a,
            kind="units_import",
            status=JobStatus.RUNNING,
            total_rows=200,
            processed_rows=50,
            created_by=admin_a,
            file_name="base.xlsx",
        )
    status_url = reverse("imports:job_status", kwargs={"pk": job.pk})
    page = admin_client_a.get(reverse("imports:job", kwargs={"pk": job.pk})).content.decode()
    assert f'hx-get="{status_url}"' in page
    assert '<progress id="import-progress" max="100" value="25">25%</progress>' in page
    assert '<label for="import-progress">50 of 200 rows checked</label>' in page
    with scope(tenant=tenant_a):
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED, processed_rows=200, summary={"created": 200}
        )
    fragment = admin_client_a.get(status_url).content.decode()
    assert "hx-get" not in fragment and "200 units registered." in fragment


def test_it_keeps_imports_to_admins_and_managers(tenant_a, agent_a, admin_client_a):
    agent = client_for(agent_a)
    for name in ("imports:units", "imports:parts", "imports:units_template"):
        assert agent.get(reverse(name)).status_code == 404
    template = admin_client_a.get(reverse("imports:units_template"))
    assert template.status_code == 200
    assert template.content.decode().strip() == ",".join(UNIT_HEADER)
    settings_page = admin_client_a.get(reverse("settings")).content.decode()
    assert reverse("imports:units") in settings_page and reverse("imports:parts") in settings_page


def test_it_answers_404_for_another_tenants_job_and_its_report(
    tenant_a, admin_a, outsider, outsider_client
):
    with scope(tenant=tenant_a):
        job = BackgroundJob.objects.create(
            tenant=tenant_a,
            kind="units_import",
            status=JobStatus.FAILED,
            errors=[{"row": 2, "field": "serial", "message": "secret"}],
        )
    own_host = client_for(outsider, "globex.localhost")
    for name in ("imports:job", "imports:job_status", "imports:job_errors"):
        url = reverse(name, kwargs={"pk": job.pk})
        assert outsider_client.get(url).status_code == 404
        assert own_host.get(url).status_code == 404


def test_it_stops_reading_a_sheet_beyond_the_row_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    upload = xlsx_upload([unit_row(f"r-{n}") for n in range(4)])
    table = read_table(upload, upload.name)
    with pytest.raises(spreadsheets.TableFileError, match="At most 3 rows"):
        list(table.rows)
