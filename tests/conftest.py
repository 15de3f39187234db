"""Every test gets tenant A (``acme``) with an admin and an agent, and tenant B (``globex``)
with an outsider who must never see anything of A."""

import pytest
from celery import _state as celery_state
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django_scopes import scope

from config.celery import app as celery_app
from helpdesk.auth import session_bind
from helpdesk.models import Role
from helpdesk.services import tenant_seed_defaults
from helpdesk.tenancy import tenant_for_host
from tests.factories import MembershipFactory, TeamFactory, TenantFactory, UserFactory

HOST_A = "acme.localhost"
HOST_B = "globex.localhost"


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Hashing strength is not under test here; PBKDF2's cost would dominate the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The local-memory cache outlives a test; ids and slugs come back in the next one.
    cache.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Links in e-mails as production writes them, whatever port this machine's dev setup uses.
    settings.HELPDESK_PUBLIC_SCHEME, settings.HELPDESK_PUBLIC_PORT = "https", ""
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _celery_join_flag_restored():
    """Celery's eager ``apply`` sets and restores a process-wide "a task is running" flag
    without a lock: threads applying tasks at once (the concurrency tests) can leave it set,
    and every later ``result.get()`` in this process would then refuse to run. Between tests
    no task is running."""
    yield
    celery_state._set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language. A request through the test client leaves
    the language it activated (a Chinese page, say) on the thread, and a later test in the
    same worker would otherwise read its messages in Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def tenant_a(db):
    return TenantFactory(slug="acme", name="ACME")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(slug="globex", name="Globex")


@pytest.fixture
def seeded_scope_a(tenant_a):
    """Tenant A with its default calendars, SLA policies and rules, inside its scope."""
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        yield


@pytest.fixture
def admin_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="admin@acme.test"), role=Role.ADMIN
    )


@pytest.fixture
def agent_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="agent@acme.test"), role=Role.AGENT
    )


@pytest.fixture
def team_a(tenant_a, agent_a):
    team = TeamFactory(tenant=tenant_a, name="Repair")
    with scope(tenant=tenant_a):
        team.members.add(agent_a)
    return team


@pytest.fixture
def outsider(tenant_b):
    # In B's own scope: some test packages keep A's scope open for the whole test, and under
    # PostgreSQL row-level security a row of B cannot be written from A's scope.
    with scope(tenant=tenant_b):
        return MembershipFactory(
            tenant=tenant_b, user=UserFactory(email="outsider@globex.test"), role=Role.ADMIN
        )


def client_for(membership=None, host=HOST_A) -> Client:
    client = Client(HTTP_HOST=host)
    if membership is not None:
        sign_in_on_host(client, membership.user, host)
    return client


def sign_in_on_host(client: Client, user, host: str = HOST_A) -> None:
    """``force_login``, and the session bound to ``host`` as a sign-in there binds it: the test
    client signs in outside any request, which leaves a session bound to no host."""
    client.force_login(user)
    session = client.session
    session_bind(session, tenant=tenant_for_host(host))
    session.save()


@pytest.fixture
def admin_client_a(admin_a):
    return client_for(admin_a)


@pytest.fixture
def agent_client_a(agent_a):
    return client_for(agent_a)


@pytest.fixture
def outsider_client(outsider):
    """The outsider, signed in, knocking on tenant A's host."""
    return client_for(outsider, HOST_A)
