"""PostgreSQL restarted under a running web server: the requests in flight and those arriving
while it is down get a short 503 with Retry-After (no hang, no dropped connection, nothing half
written), and once it is back the same gunicorn worker serves again without a restart.

The database is a private PostgreSQL server (tests/faults/private_postgres.py) holding a copy
of this test run's database, so stopping it disturbs nobody else. A table lock held by the test
makes two requests wait *inside* the database, so they are certainly in flight when the server
shuts down.
"""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django_scopes import scope

from helpdesk.services import api_token_create, tenant_seed_defaults
from tests.factories import PASSWORD
from tests.faults.private_postgres import PrivatePostgres, require_private_postgres
from tests.faults.web import WebServer
from tests.sla.live import process_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api_key(tenant_a, agent_a, settings):
    """The agent's password (as the server process hashes it) and an API key of theirs."""
    require_private_postgres()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    agent_a.user.set_password(PASSWORD)
    agent_a.user.save(update_fields=["password"])
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        _token, key = api_token_create(membership=agent_a, name="restart drill")
    return key


def test_it_answers_503_while_the_database_restarts_and_serves_again_after(api_key, tmp_path):
    with PrivatePostgres() as pg:
        pg.copy_of_test_database()
        # No broker (as in test_broker_down.py): tasks of this throwaway database must not
        # wait in a shared Redis for some later test's worker.
        env = process_env(
            tmp_path,
            DATABASE_URL=pg.url,
            DJANGO_DEBUG="0",
            CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        )
        with WebServer(env, tmp_path / "web.log", threads=4) as web:
            browser = web.client("acme.localhost")
            browser.login("agent@acme.test", PASSWORD)
            api = Api(web.port, api_key)
            assert browser.request("/tickets/")[0] == 200

            in_flight = requests_cut_off_by_shutdown(pg, browser, api)
            while_down = [browser.request("/tickets/"), api.create("while down")]
            healthz_down = web.client("127.0.0.1").request("/healthz")
            pg.start()
            after = [browser.request("/tickets/"), api.create("after restart")]
            healthz_up = web.client("127.0.0.1").request("/healthz")
            assert web.process.poll() is None  # the same server process throughout

        for status, body, headers in in_flight + while_down:
            assert (status, headers.get("Retry-After")) == (503, "5"), body[:2000]
            assert "temporarily unavailable" in body
        assert json.loads(healthz_down[1])["database"] == "unavailable"
        assert [status for status, _body, _headers in after] == [200, 201]
        assert json.loads(healthz_up[1])["database"] == "ok"
        assert created_subjects(pg) == ["after restart"]  # the cut-off create left nothing

    log = (tmp_path / "web.log").read_text()
    assert log.count("Booting worker") == 1, log[-3000:]  # no worker was restarted
    assert "database unavailable, answered 503 to GET /tickets/" in log, log[-3000:]
    assert "Service Unavailable: /tickets/" not in log  # one line per request, no traceback


def requests_cut_off_by_shutdown(pg, browser, api) -> list[tuple]:
    """A page and an API create, both waiting on a table lock, when the server shuts down."""
    locker = pg.connect()
    locker.execute("LOCK TABLE tickets_ticket IN ACCESS EXCLUSIVE MODE")
    results: list[tuple] = []
    calls = [lambda: browser.request("/tickets/"), lambda: api.create("cut off")]
    threads = [threading.Thread(target=lambda c=c: results.append(c())) for c in calls]
    for thread in threads:
        thread.start()
    assert wait_for(lambda: waiting_on_locks(locker) == len(calls), timeout=20)
    pg.stop()  # fast shutdown: terminates the waiting sessions and the locker's
    for thread in threads:
        thread.join(timeout=40)
    locker.close()
    assert len(results) == len(calls)  # each answered; a dropped connection would have raised
    return results


def waiting_on_locks(connection) -> int:
    # The locker's transaction stays open, and PostgreSQL keeps the first pg_stat_activity
    # snapshot until the transaction ends: take a fresh one at every poll.
    connection.execute("SELECT pg_stat_clear_snapshot()")
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    ).fetchone()
    return row[0]


def created_subjects(pg) -> list[str]:
    with pg.connect() as connection:
        rows = connection.execute("SELECT subject FROM tickets_ticket ORDER BY id").fetchall()
    return [subject for (subject,) in rows]


class Api:
    """JSON requests with the agent's API key."""

    def __init__(self, port: int, key: str):
        self.base, self.host, self.key = f"http://127.0.0.1:{port}", f"acme.localhost:{port}", key

    def create(self, subject: str) -> tuple[int, str, dict]:
        payload = {"subject": subject, "customer_email": "caller@example.test"}
        request = urllib.request.Request(  # noqa: S310 - our own server
            self.base + "/api/v1/tickets/",
            data=json.dumps(payload).encode(),
            headers={
                "Host": self.host,
                "Authorization": f"Token {self.key}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)
