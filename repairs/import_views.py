"""Pages of the background imports of units and parts: upload, the job's progress and result,
the error report, and the column templates.

Both kinds are here because ``repairs`` sits above ``products`` and may import both importers.
The upload checks what can be checked at once (a CSV or XLSX file within the size limit, with
the required columns), so a wrong file is an error on the form and nothing is queued; the rows
are checked by the job.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.auth import member_required
from helpdesk.background_jobs import background_job_create
from helpdesk.models import BackgroundJob, Role
from helpdesk.platform.csvfiles import spreadsheet_safe
from helpdesk.platform.spreadsheets import TableFileError, table_headers
from products import importing as unit_importing
from repairs import importing as part_importing

IMPORT_ROLES = (Role.ADMIN, Role.MANAGER)
# The page lists this many row errors; the CSV report has them all.
ERRORS_ON_PAGE = 200
POLL_SECONDS = 2


@dataclass(frozen=True)
class ImportKind:
    slug: str
    job_kind: str
    title: str
    columns: tuple[str, ...]
    missing_columns: Callable[[list[str]], list[str]]


KINDS = {
    kind.slug: kind
    for kind in (
        ImportKind(
            "units",
            unit_importing.KIND,
            gettext_lazy("Import units"),
            unit_importing.COLUMNS,
            unit_importing.missing_columns,
        ),
        ImportKind(
            "parts",
            part_importing.KIND,
            gettext_lazy("Import parts"),
            part_importing.COLUMNS,
            part_importing.missing_columns,
        ),
    )
}
KIND_BY_JOB = {kind.job_kind: kind for kind in KINDS.values()}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file (.xlsx)"),
        help_text=gettext_lazy(
            "The first row names the columns. UTF-8 or GB18030 CSV, or the first sheet of a "
            "workbook. Dates as YYYY-MM-DD."
        ),
    )

    def __init__(self, *args, kind: ImportKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        try:
            headers = table_headers(upload, upload.name or "")
        except TableFileError as error:
            raise forms.ValidationError(error.message) from None
        missing = self.kind.missing_columns(headers)
        if missing:
            raise forms.ValidationError(
                _("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        return upload


@member_required(*IMPORT_ROLES)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, what: str) -> HttpResponse:
    kind = KINDS[what]
    form = ImportUploadForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        job = background_job_create(
            tenant=request.tenant,
            actor=request.membership,
            kind=kind.job_kind,
            upload=form.cleaned_data["file"],
            language=get_language() or "",
        )
        return redirect("imports:job", pk=job.pk)
    recent = BackgroundJob.objects.filter(kind=kind.job_kind)[:10]
    context = {"form": form, "kind": kind, "recent": recent}
    status = 400 if request.method == "POST" else 200
    return render(request, "repairs/imports/upload.html", context, status=status)


@member_required(*IMPORT_ROLES)
@require_GET
def import_template(request: HttpRequest, what: str) -> HttpResponse:
    """An empty table with the kind's header row, to fill in a spreadsheet program."""
    kind = KINDS[what]
    response = HttpResponse(",".join(kind.columns) + "\r\n", content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind.slug}-import.csv"'
    return response


def _job_for(pk: int) -> tuple[BackgroundJob, ImportKind]:
    """An import job of the active tenant, or 404."""
    job = BackgroundJob.objects.filter(pk=pk, kind__in=KIND_BY_JOB).first()
    if job is None:
        raise Http404
    return job, KIND_BY_JOB[job.kind]


def _job_context(job: BackgroundJob, kind: ImportKind) -> dict:
    return {
        "job": job,
        "kind": kind,
        "errors": job.errors[:ERRORS_ON_PAGE],
        "more_errors": max(0, len(job.errors) - ERRORS_ON_PAGE),
        "poll_seconds": POLL_SECONDS,
    }


@member_required(*IMPORT_ROLES)
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job, kind = _job_for(pk)
    return render(request, "repairs/imports/job.html", _job_context(job, kind))


@member_required(*IMPORT_ROLES)
@require_GET
def import_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx-polled part of the job page; it stops polling once the job has ended."""
    job, kind = _job_for(pk)
    return render(request, "repairs/imports/_status.html", _job_context(job, kind))


@member_required(*IMPORT_ROLES)
@require_GET
def import_job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every row error of the job as CSV (UTF-8 with BOM, so spreadsheet programs read the
    Chinese text); no cell is ever run as a formula."""
    job, kind = _job_for(pk)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    for error in job.errors:
        cells = (error.get("row", ""), error.get("field", ""), error.get("message", ""))
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    if job.failure:
        writer.writerow(["", "", spreadsheet_safe(job.failure)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{kind.slug}-import-{job.pk}-errors.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
