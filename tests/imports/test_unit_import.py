"""Importing units in the background: every row checked first, all or nothing, progress and a
per-row report, through the upload page and the job's task."""

import csv
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import BackgroundJob, JobStatus
from products.models import Unit, UnitEvent
from products.services import unit_register
from tests.imports.helpers import catalogue, csv_upload, unit_row, xlsx_upload


@pytest.fixture
def objs(tenant_a, admin_a):
    return catalogue(tenant_a, admin_a)


def upload(client, capture, file, what="units"):
    with capture(execute=True):
        response = client.post(reverse(f"imports:{what}"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def last_job(tenant) -> BackgroundJob:
    with scope(tenant=tenant):
        return BackgroundJob.objects.get()


def test_it_imports_every_row_of_a_good_csv_and_audits_each_unit(
    tenant_a, admin_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    rows = [unit_row(f"sn-{n:04d}") for n in range(1, 451)]
    rows.append(unit_row("phone-owned", model="dr-9", email="", phone="13800000002"))
    response = upload(
        admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows, name="基地.csv")
    )
    job = last_job(tenant_a)
    assert response["Location"] == reverse("imports:job", kwargs={"pk": job.pk})
    assert job.status == JobStatus.SUCCEEDED and job.summary == {"created": 451}, (
        job.failure,
        job.errors[:3],
    )
    assert job.total_rows == job.processed_rows == 451
    assert job.errors == [] and not job.file and job.file_name == "基地.csv"
    assert job.started_at and job.finished_at and job.created_by == admin_a
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 451
        phone_owned = Unit.objects.get(serial="PHONE-OWNED")
        assert phone_owned.customer == objs["wang"] and phone_owned.product == objs["dryer"]
        assert UnitEvent.objects.filter(action="registered", actor=admin_a).count() == 451
    page = admin_client_a.get(response["Location"]).content.decode()
    assert "451 units registered." in page
    assert 'value="100"' in page and "hx-trigger" not in page


def test_it_imports_an_xlsx_with_real_dates_and_numeric_serials(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    from datetime import date, datetime

    rows = [
        (123456789, "WM-800", "li@example.cn", None, date(2026, 1, 5), "Dealer", "Beijing", None),
        ("ab 1", "DR-9", "WANG@example.cn", None, "2026-02-01", None, None, datetime(2026, 2, 3)),
    ]
    upload(admin_client_a, django_capture_on_commit_callbacks, xlsx_upload(rows))
    job = last_job(tenant_a)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    with scope(tenant=tenant_a):
        first = Unit.objects.get(serial="123456789")
        second = Unit.objects.get(serial="AB1")
    assert first.purchased_on == date(2026, 1, 5) and first.installed_on is None
    assert second.customer == objs["wang"] and second.installed_on == date(2026, 2, 3)


def test_it_imports_nothing_when_one_row_of_many_is_wrong_and_names_row_and_column(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    rows = [unit_row(f"ok-{n}") for n in range(30)]
    rows[17] = unit_row("bad-1", model="NOPE-1")
    response = upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    job = last_job(tenant_a)
    assert job.status == JobStatus.FAILED
    assert job.errors == [
        {"row": 19, "field": "model_code", "message": "Unknown model code “NOPE-1”."}
    ]
    assert job.processed_rows == job.total_rows == 30
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 0
    page = admin_client_a.get(response["Location"]).content.decode()
    assert "Nothing was imported." in page and "NOPE-1" in page
    assert reverse("imports:job_errors", kwargs={"pk": job.pk}) in page


def test_it_lists_every_kind_of_bad_row(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    rows = [
        unit_row(""),
        unit_row("x1", email="nobody@example.cn"),
        unit_row("x2", bought="2026-13-01"),
        unit_row("x3", bought="2999-01-01"),
        unit_row("x4", bought="2026-03-01", installed="2026-02-01"),
        unit_row("x5", email="", phone=""),
        unit_row("x6", bought=""),
    ]
    upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    problems = {(e["row"], e["field"]) for e in last_job(tenant_a).errors}
    assert problems == {
        (2, "serial"),
        (3, "customer_email"),
        (4, "purchased_on"),
        (5, "purchased_on"),
        (6, "installed_on"),
        (7, "customer_email"),
        (8, "purchased_on"),
    }


def test_it_refuses_a_serial_twice_in_the_file_or_already_registered(
    tenant_a, admin_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    from datetime import date

    with scope(tenant=tenant_a):
        unit_register(
            tenant=tenant_a,
            actor=admin_a,
            serial="OLD-1",
            product=objs["washer"],
            customer=objs["li"],
            purchased_on=date(2026, 1, 1),
        )
    rows = [unit_row("new-1"), unit_row(" old-1 "), unit_row("New-1"), unit_row("new-2")]
    upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    job = last_job(tenant_a)
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "serial"), (4, "serial")]
    assert "registered already" in job.errors[0]["message"]
    assert "also in row 2" in job.errors[1]["message"]
    with scope(tenant=tenant_a):
        assert list(Unit.objects.values_list("serial", flat=True)) == ["OLD-1"]


def test_it_serves_an_error_report_that_no_spreadsheet_runs_as_a_formula(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    rows = [unit_row("=HYPERLINK(1)", model="@SUM(A1)"), unit_row("y1", email="+cmd|x")]
    upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    job = last_job(tenant_a)
    response = admin_client_a.get(reverse("imports:job_errors", kwargs={"pk": job.pk}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Row", "Column", "Problem"]
    assert ["2", "model_code", "Unknown model code “@SUM(A1)”."] in table
    assert ["3", "customer_email", "No customer has “+cmd|x”."] in table
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


def test_it_marks_a_crashed_job_failed_and_leaves_no_half_import(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks, monkeypatch
):
    import products.importing as importing

    real_register = importing.unit_register
    calls = []

    def register_then_crash(**kwargs):
        calls.append(kwargs["serial"])
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real_register(**kwargs)

    monkeypatch.setattr(importing, "unit_register", register_then_crash)
    rows = [unit_row(f"c-{n}") for n in range(5)]
    upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    job = last_job(tenant_a)
    assert job.status == JobStatus.FAILED and job.failure and job.finished_at
    assert not job.file
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 0


def test_it_reports_in_chinese_to_a_member_who_reads_chinese(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks, settings
):
    admin_client_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    rows = [unit_row("z-1", model="无此型号")]
    response = upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    job = last_job(tenant_a)
    assert job.errors[0]["message"] == "未知型号“无此型号”。"
    page = admin_client_a.get(response["Location"]).content.decode()
    assert "未导入任何数据。" in page and "下载错误报告（CSV）" in page
    report = admin_client_a.get(reverse("imports:job_errors", kwargs={"pk": job.pk}))
    assert report.content.decode("utf-8-sig").splitlines()[0] == "行,列,问题"


def test_it_accepts_a_purchase_on_the_tenants_today_whatever_the_servers_date(
    tenant_a, objs, admin_client_a, django_capture_on_commit_callbacks
):
    # UTC+14: for most of the day the tenant's date is ahead of the server's.
    tenant_a.time_zone = "Pacific/Kiritimati"
    tenant_a.save(update_fields=["time_zone"])
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    rows = [unit_row("today-1", bought=today.isoformat())]
    upload(admin_client_a, django_capture_on_commit_callbacks, csv_upload(rows))
    job = last_job(tenant_a)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    with scope(tenant=tenant_a):
        assert Unit.objects.get(serial="TODAY-1").purchased_on == today
