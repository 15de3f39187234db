"""The one Celery base class that opens a tenant scope for a task."""

from celery import Task, shared_task
from django_scopes import scope

from helpdesk.background_jobs import background_job_run, background_jobs_sweep
from helpdesk.models import Tenant


class TenantTask(Task):
    """A task whose first keyword argument is ``tenant_id``; the body runs in that tenant's scope.

    Tasks receive ids, never objects, and must be idempotent (acks_late redelivers them).
    Celery's argument check is off because the caller passes ``tenant_id`` while the body
    receives the loaded ``tenant``.
    """

    typing = False

    def __call__(self, *args, tenant_id: int, **kwargs):
        tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
        if tenant is None:
            return None  # the tenant was removed after the task was queued: nothing to do
        with scope(tenant=tenant):
            return super().__call__(*args, tenant=tenant, **kwargs)


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_notification_email(*, tenant: Tenant, notification_id: int) -> bool:
    from helpdesk.notifications import notification_email

    return notification_email(tenant=tenant, notification_id=notification_id)


@shared_task
def catch_up_notification_emails() -> int:
    """Beat: e-mail notifications whose own task was never queued or never ran."""
    from helpdesk.notifications import notification_emails_catch_up

    sent = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            sent += notification_emails_catch_up(tenant=tenant)
    return sent


@shared_task
def purge_idempotency_keys() -> int:
    """Forget ``Idempotency-Key`` rows older than 24 h, tenant by tenant. Idempotent."""
    from helpdesk.idempotency import idempotency_keys_purge

    purged = 0
    for tenant in Tenant.objects.order_by("pk"):
        with scope(tenant=tenant):
            purged += idempotency_keys_purge(tenant=tenant)
    return purged


@shared_task(base=TenantTask)
def deliver_webhook(*, tenant: Tenant, delivery_id: int) -> bool:
    """One attempt right after the commit; retries are the sweep's (it owns the backoff)."""
    from helpdesk.webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task
def sweep_webhooks() -> int:
    """Beat, every ~30 s: webhook deliveries that are due (new ones whose task never ran,
    retries after a failure). Idempotent: each row is claimed before it is sent."""
    from helpdesk.webhooks import webhook_sweep

    return webhook_sweep()


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_password_reset_email(*, user_id: int, domain: str, protocol: str, language: str) -> None:
    from helpdesk.services import password_reset_email_send

    password_reset_email_send(user_id=user_id, domain=domain, protocol=protocol, language=language)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_signup_email(*, request: dict, domain: str, protocol: str, language: str) -> None:
    from helpdesk.signup import signup_email_send

    signup_email_send(request=request, domain=domain, protocol=protocol, language=language)


@shared_task(base=TenantTask)
def run_background_job(*, tenant: Tenant, job_id: int) -> str | None:
    """Run one queued job (an import). Idempotent: the job is claimed before it runs."""
    return background_job_run(tenant=tenant, job_id=job_id)


@shared_task
def sweep_background_jobs() -> dict[str, int]:
    """Beat, every few minutes: jobs whose task was lost, jobs whose worker died."""
    return background_jobs_sweep()
