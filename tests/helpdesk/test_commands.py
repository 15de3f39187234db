"""Every management command of the tenancy core, run the way an operator runs it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from customers.models import Customer
from helpdesk.models import ApiToken, Membership, Team, Tenant
from helpdesk.services import hash_api_key
from tests.conftest import client_for
from tickets.demo import TICKETS
from tickets.models import Status, Ticket


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_tenant_makes_the_tenant_and_its_admin():
    output = run(
        "create_tenant",
        "initech",
        "--name",
        "Initech",
        "--admin-email",
        "boss@initech.test",
        "--admin-password",
        "s3cret-pass-word",
        "--language",
        "en",
    )
    assert "Created tenant initech" in output
    tenant = Tenant.objects.get(slug="initech")
    with scope(tenant=tenant):
        assert Membership.objects.get().role == "admin"
    assert (
        client_for(None, "initech.localhost")
        .post("/accounts/login/", {"username": "boss@initech.test", "password": "s3cret-pass-word"})
        .status_code
        == 302
    )


@pytest.mark.django_db
def test_create_tenant_rejects_a_bad_slug_with_a_clear_message():
    with pytest.raises(CommandError, match="slug"):
        run(
            "create_tenant",
            "Bad Slug!",
            "--name",
            "X",
            "--admin-email",
            "a@x.test",
            "--admin-password",
            "x",
        )
    assert not Tenant.objects.exists()


def test_create_api_token_prints_only_a_working_key(admin_a, tenant_a):
    key = run("create_api_token", "--tenant", "acme", "--email", "admin@acme.test").strip()
    assert "\n" not in key and len(key) >= 40
    with scope(tenant=tenant_a):
        token = ApiToken.objects.get()
    assert token.key_hash == hash_api_key(key) and key not in token.key_hash
    response = client_for().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json()["email"] == "admin@acme.test"


def test_create_api_token_refuses_a_non_member(admin_a, outsider):
    with pytest.raises(CommandError, match="not a member"):
        run("create_api_token", "--tenant", "acme", "--email", "outsider@globex.test")


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    run("seed_demo")
    acme = Tenant.objects.get(slug="acme")
    with scope(tenant=acme):
        counts = (Membership.objects.count(), Team.objects.count())
    run("seed_demo")
    with scope(tenant=acme):
        assert (Membership.objects.count(), Team.objects.count()) == counts
        assert Membership.objects.filter(certification_stage="trainee").exists()
        assert counts[0] >= 8 and counts[1] >= 3
        tickets = Ticket.objects.all()
        assert tickets.count() == len(TICKETS)
        assert set(tickets.values_list("status", flat=True)) == set(Status.values) - {"on_hold"}
        assert set(Customer.objects.values_list("tier__code", flat=True)) == {
            "vip",
            "important",
            "regular",
            "potential",
        }
    assert Tenant.objects.filter(slug="globex").exists()
