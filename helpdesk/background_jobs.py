"""Background jobs: a long operation a member starts, a Celery task runs, and a page follows.

The flow: ``background_job_create`` stores the uploaded file and the job (``queued``) and
queues ``helpdesk.tasks.run_background_job`` after the commit. The task calls
``background_job_run``, which claims the job with a conditional UPDATE (so a redelivered or
repeated task never runs it twice), calls the handler registered for the job's kind, and
records the outcome: ``succeeded`` with a summary, or ``failed`` with the row errors or a
message. The uploaded file is removed either way.

Handlers live in the apps that know the data and register with ``job_handler(kind)`` when
their app is ready. A handler reports progress through ``JobProgress``, raises ``JobRowErrors``
when rows are wrong, and does its writes in one transaction, so a failure leaves nothing half
done. ``background_jobs_sweep`` (beat) queues jobs whose task was never queued (broker down)
and fails jobs whose worker died, so no job stays "running" for ever.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from helpdesk.audit import audit_record
from helpdesk.models import BackgroundJob, JobStatus, Membership, Tenant
from helpdesk.platform.enqueue import enqueue_now, enqueue_on_commit
from helpdesk.platform.spreadsheets import OVERFLOW, TableFileError
from helpdesk.tenancy import across_tenants

logger = logging.getLogger(__name__)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RUN_TASK = "helpdesk.tasks.run_background_job"
# Progress is written every this many rows: often enough to move the bar, rarely enough not
# to cost the job one UPDATE per row.
PROGRESS_EVERY_ROWS = 200
# A queued job older than this had its task lost (the broker was down): queue it again.
REQUEUE_AFTER = timedelta(minutes=5)
# A job running longer than this lost its worker: the import transaction rolled back with it.
RUNNING_AT_MOST = timedelta(hours=1)


class JobRowErrors(Exception):
    """Some rows are wrong; nothing was written. ``errors``: ``[{row, field, message}]``."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} row errors")
        self.errors = errors


class JobProgress:
    """What a handler tells the page: how many rows there are, and how many are done."""

    def __init__(self, job: BackgroundJob, every: int = PROGRESS_EVERY_ROWS):
        self.job = job
        self.every = every

    def start(self, total_rows: int) -> None:
        self._write(total_rows=total_rows, processed_rows=0)

    def step(self, processed_rows: int) -> None:
        if processed_rows % self.every == 0 or processed_rows == self.job.total_rows:
            self._write(processed_rows=processed_rows)

    def _write(self, **values: int) -> None:
        for name, value in values.items():
            setattr(self.job, name, value)
        # An UPDATE of its own, outside the handler's write transaction (none is open while
        # rows are checked), so the page sees it at once.
        BackgroundJob.objects.filter(pk=self.job.pk).update(**values)


class RowChecker:
    """Collects a handler's ``{row, field, message}`` errors, for ``JobRowErrors``."""

    def __init__(self):
        self.errors: list[dict] = []

    def add(self, row: int, field: str, message: str) -> None:
        self.errors.append({"row": row, "field": field, "message": message})

    def shape(self, number: int, record: dict) -> None:
        if OVERFLOW in record:
            self.add(number, "", _("The row has more values than the header has columns."))

    def date(self, number: int, record: dict, field: str) -> date | None:
        text = record.get(field, "")
        if not text:
            return None
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.add(number, field, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text})
            return None


@dataclass(frozen=True)
class JobContext:
    tenant: Tenant
    job: BackgroundJob
    progress: JobProgress


JobHandler = Callable[[JobContext], dict]
_handlers: dict[str, JobHandler] = {}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Decorator: ``handler(context) -> summary`` runs the jobs of ``kind``."""

    def register(handler: JobHandler) -> JobHandler:
        _handlers[kind] = handler
        return handler

    return register


def job_kinds() -> frozenset[str]:
    return frozenset(_handlers)


@transaction.atomic
def background_job_create(
    *, tenant: Tenant, actor: Membership, kind: str, upload: UploadedFile, language: str = ""
) -> BackgroundJob:
    """Store ``upload`` privately under a random name and queue the job after the commit."""
    if kind not in _handlers:
        raise ValueError(f"no handler for background jobs of kind {kind!r}")
    job = BackgroundJob(
        tenant=tenant,
        kind=kind,
        created_by=actor,
        file_name=(upload.name or "")[:255],
        language=language,
    )
    job.file.save("upload", upload, save=False)
    job.save(force_insert=True)
    audit_record(
        tenant=tenant, actor=actor, action="started", target=job, data={"file": job.file_name}
    )
    enqueue_on_commit(RUN_TASK, tenant_id=tenant.pk, job_id=job.pk)
    return job


def background_job_run(*, tenant: Tenant, job_id: int) -> str | None:
    """Run a queued job to its end; the final status, or None if it was not queued (another
    run claimed it, or it ended). Precondition: the tenant's scope is active."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = BackgroundJob.objects.select_related("created_by__user").get(pk=job_id)
    with translation.override(job.language or tenant.default_language):
        _run(JobContext(tenant, job, JobProgress(job)))
    return job.status


def _run(context: JobContext) -> None:
    job = context.job
    try:
        summary = _handlers[job.kind](context)
    except JobRowErrors as rows:
        _finish(job, JobStatus.FAILED, errors=rows.errors)
    except TableFileError as unreadable:
        _finish(job, JobStatus.FAILED, failure=unreadable.message)
    except Exception:
        # The handler's transaction rolled back; the job says so instead of staying "running".
        logger.exception("background job %s (%s) crashed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, failure=_("The job stopped on an unexpected error."))
    else:
        _finish(job, JobStatus.SUCCEEDED, summary=summary)


@transaction.atomic
def _finish(job: BackgroundJob, status: str, **outcome) -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.errors = outcome.get("errors", [])
    job.failure = outcome.get("failure", "")[:500]
    job.summary = outcome.get("summary", {})
    if status == JobStatus.SUCCEEDED:
        job.processed_rows = job.total_rows
    _file_forget(job)
    fields = ["status", "finished_at", "errors", "failure", "summary", "processed_rows", "file"]
    job.save(update_fields=fields)
    audit_record(
        tenant=job.tenant_id,
        actor=job.created_by,
        action=status,
        target=job,
        data={"errors": len(job.errors), "summary": job.summary},
    )


def _file_forget(job: BackgroundJob) -> None:
    """Clear the job's file and delete it once the caller's transaction commits (a rollback
    must not leave a job pointing at nothing)."""
    if job.file:
        storage, name = job.file.storage, job.file.name
        transaction.on_commit(lambda: storage.delete(name))
        job.file = ""


def background_jobs_sweep(*, now=None) -> dict[str, int]:
    """Beat: queue again the jobs whose task was lost, fail the ones whose worker died."""
    now = now or timezone.now()
    totals = {"requeued": 0, "failed": 0}
    with across_tenants():
        tenant_ids = set(
            BackgroundJob.objects.filter(
                status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
            ).values_list("tenant_id", flat=True)
        )
    for tenant in Tenant.objects.filter(pk__in=tenant_ids, is_active=True):
        with scope(tenant=tenant):
            totals["requeued"] += _requeue_lost(tenant, now)
            totals["failed"] += _fail_abandoned(now)
    return totals


def _requeue_lost(tenant: Tenant, now) -> int:
    lost = BackgroundJob.objects.filter(
        status=JobStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER
    ).values_list("pk", flat=True)
    return sum(enqueue_now(RUN_TASK, tenant_id=tenant.pk, job_id=pk) for pk in lost)


def _fail_abandoned(now) -> int:
    abandoned = BackgroundJob.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=now - RUNNING_AT_MOST
    )
    for job in abandoned:
        _finish(job, JobStatus.FAILED, failure=_("The job stopped: its worker went away."))
    return len(abandoned)
