"""``Idempotency-Key`` on API creates: a retried POST gets the first response, not a duplicate.

The key is claimed by inserting its row in the same transaction as the create it guards:

* the unique (tenant, key) index makes a concurrent duplicate wait until the first request
  commits (PostgreSQL blocks on the index entry, SQLite on its IMMEDIATE write lock), after
  which it finds the stored response and replays it;
* a create that fails (validation error, crash) rolls its claim back, so the client may retry
  with the same key, as with Stripe's keys;
* a key is forgotten after ``IDEMPOTENCY_TTL``; an expired row is replaced on reuse and purged
  by ``idempotency_keys_purge``.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from helpdesk.models import IdempotencyKey, Tenant

IDEMPOTENCY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Outcome:
    status: int
    body: object
    replayed: bool


class KeyReusedError(Exception):
    """The key was first used with another method, path or body."""


class KeyInFlightError(Exception):
    """The key's first request finished without leaving a response (expired meanwhile)."""


def request_fingerprint(*, method: str, path: str, data: object) -> str:
    """SHA-256 of the request as parsed, so a retry with re-encoded JSON (other spacing or key
    order) or a new multipart boundary still matches, while another value does not."""
    canonical = {"method": method, "path": path, "data": _canonical(data)}
    encoded = json.dumps(canonical, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, MultiValueDict):
        return {key: [_canonical(v) for v in value.getlist(key)] for key in sorted(value)}
    if isinstance(value, UploadedFile):
        return {"file": value.name, "sha256": _file_sha256(value)}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _file_sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def idempotent_call(
    *,
    tenant: Tenant,
    key: str,
    fingerprint: str,
    produce: Callable[[], tuple[int, object]],
) -> Outcome:
    """Run ``produce`` once per (tenant, key); later calls get its stored (status, body).

    Precondition: the tenant scope is active and no transaction is open around this call on
    PostgreSQL (otherwise a concurrent duplicate would wait for the outer transaction too).
    Raises ``KeyReusedError`` when the stored request differs from this one.
    """
    with transaction.atomic():
        IdempotencyKey.objects.filter(
            key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
        ).delete()
        record = _claim(tenant, key, fingerprint)
        if record is not None:
            status, body = produce()
            record.response_status, record.response_body = status, body
            record.save(update_fields=["response_status", "response_body"])
            return Outcome(status, body, replayed=False)
    return _replay(key, fingerprint)


def _claim(tenant: Tenant, key: str, fingerprint: str) -> IdempotencyKey | None:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                tenant=tenant, key=key, request_hash=fingerprint, response_status=0
            )
    except IntegrityError:
        return None


def _replay(key: str, fingerprint: str) -> Outcome:
    record = IdempotencyKey.objects.filter(key=key).first()
    if record is None or record.response_status == 0:
        raise KeyInFlightError(key)
    if record.request_hash != fingerprint:
        raise KeyReusedError(key)
    return Outcome(record.response_status, record.response_body, replayed=True)


def idempotency_keys_purge(*, tenant: Tenant) -> int:
    """Forget the tenant's expired keys; returns how many. Precondition: scope active."""
    cutoff = timezone.now() - IDEMPOTENCY_TTL
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
