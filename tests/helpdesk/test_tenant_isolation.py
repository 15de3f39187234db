"""Tenant isolation: an outsider gets 404 everywhere, and unscoped queries raise."""

from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import ScopeError, scope

from automations.defaults import TECHNICAL_TEAM
from customers.models import Organization, PortalNotice, Tier
from helpdesk.models import BackgroundJob, Membership, Skill, Team, WebhookSubscription
from helpdesk.services import api_token_create, tenant_seed_defaults
from sla.models import Calendar, SlaPolicy
from surveys.models import FollowUp
from tests.automations.helpers import automations_objects
from tests.conftest import HOST_A, client_for
from tests.factories import CustomerFactory
from tests.fieldservice.helpers import fieldservice_objects
from tests.incidents.helpers import incident_objects
from tests.knowledge.helpers import knowledge_objects
from tests.products.catalogue_helpers import catalogue_objects
from tests.products.contract_helpers import contract_objects
from tests.repairs.helpers import repairs_objects
from tests.surveys.helpers import answered_survey
from tests.url_catalogue import (
    POST_ONLY_URL_NAMES,
    PUBLIC_URL_NAMES,
    REDIRECT_URL_NAMES,
    SAMPLE_KWARGS,
    tenant_routes,
)
from tickets import services as ticket_services
from tickets.models import Category
from tickets.saved_views import saved_view_create


def scoped_models():
    return [
        model
        for model in apps.get_models()
        if any(field.name == "tenant" for field in model._meta.fields)
    ]


@pytest.fixture
def objects_a(tenant_a, admin_a, team_a):
    with scope(tenant=tenant_a):
        token, _key = api_token_create(membership=admin_a, name="erp")
        webhook = WebhookSubscription.objects.create(tenant=tenant_a, url="https://example.com/")
        skill = Skill.objects.create(tenant=tenant_a, name="billing")
        ticket = ticket_services.ticket_create(
            tenant=tenant_a,
            customer=CustomerFactory(tenant=tenant_a),
            subject="Washer leaks",
            actor=admin_a,
            attachments=[
                SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
            ],
        )
        attachment = ticket.messages.get().attachments.get()
        tenant_seed_defaults(tenant_a)
        calendar = Calendar.objects.first()
        holiday = calendar.holidays.create(tenant=tenant_a, date=date(2026, 10, 1), name="国庆节")
        policy = SlaPolicy.objects.first()
        knowledge = knowledge_objects(tenant_a, admin_a)
        follow_up = FollowUp.objects.create(
            tenant=tenant_a,
            ticket=ticket,
            customer=ticket.customer,
            kind="manual",
            due_at=ticket.created_at,
        )
        surveyed = ticket_services.ticket_create(
            tenant=tenant_a, customer=ticket.customer, subject="Fixed?", actor=admin_a
        )
        survey_response = answered_survey(surveyed, actor=admin_a)
        tier = Tier.objects.first()
        category = Category.objects.create(tenant=tenant_a, name="Repair")
        organization = Organization.objects.create(tenant=tenant_a, name="ACME Retail")
        portal_notice = PortalNotice.objects.create(tenant=tenant_a, text="Maintenance tonight")
        incident = incident_objects(tenant_a, admin_a, ticket)
        repairs = repairs_objects(tenant_a, admin_a)
        work_orders = fieldservice_objects(tenant_a, admin_a)
        rules = automations_objects(tenant_a)
        catalogue = catalogue_objects(tenant_a, admin_a, ticket.customer)
        contracts = contract_objects(tenant_a, admin_a, organization)
        saved_view = saved_view_create(owner=admin_a, name="Urgent", query={"priority": "urgent"})
        import_job = BackgroundJob.objects.create(
            tenant=tenant_a, kind="units_import", created_by=admin_a, file_name="base.csv"
        )
    return {
        **repairs,
        **work_orders,
        **rules,
        **catalogue,
        "import_job": import_job,
        "saved_view": saved_view,
        **incident,
        **contracts,
        **knowledge,
        "follow_up": follow_up,
        "survey_response": survey_response,
        "tier": tier,
        "category": category,
        "organization": organization,
        "portal_notice": portal_notice,
        "sla_policy": policy,
        "calendar": calendar,
        "holiday": holiday,
        "api_token": token,
        "webhook": webhook,
        "team": team_a,
        "skill": skill,
        "ticket": ticket,
        "attachment": attachment,
    }


def private_urls(objects):
    for route in tenant_routes():
        if route.name in PUBLIC_URL_NAMES:
            continue
        kwargs = SAMPLE_KWARGS[route.name](objects) if route.params else {}
        yield route.name, reverse(route.name, kwargs=kwargs)


def test_it_knows_sample_arguments_for_every_url_with_parameters():
    missing = [r.name for r in tenant_routes() if r.params and r.name not in SAMPLE_KWARGS]
    assert missing == []


def test_it_uses_a_scoped_manager_on_every_tenant_owned_model():
    unscoped = [
        model._meta.label
        for model in scoped_models()
        if type(model._default_manager).__module__ != "django_scopes.manager"
    ]
    assert unscoped == []
    assert len(scoped_models()) >= 4


@pytest.mark.django_db
def test_it_raises_on_a_tenant_owned_query_outside_a_scope():
    for model in scoped_models():
        with pytest.raises(ScopeError):
            list(model.objects.all())


def test_it_filters_to_the_active_tenant(tenant_a, tenant_b):
    Team.objects.create(tenant=tenant_a, name="A team")
    Team.objects.create(tenant=tenant_b, name="B team")
    with scope(tenant=tenant_b):
        # B's own: its team and the technical team every desk starts with.
        assert sorted(t.name for t in Team.objects.all()) == ["B team", TECHNICAL_TEAM]


def test_it_returns_404_to_an_outsider_on_every_private_url(objects_a, outsider_client):
    leaks = []
    for name, url in private_urls(objects_a):
        for method in ("get", "post"):
            response = getattr(outsider_client, method)(url)
            if response.status_code != 404:
                leaks.append((name, method, response.status_code))
    assert leaks == []


def test_it_serves_the_same_urls_to_the_tenant_admin(objects_a, admin_client_a):
    statuses = {name: admin_client_a.get(url).status_code for name, url in private_urls(objects_a)}
    post_only = {name: statuses.pop(name) for name in POST_ONLY_URL_NAMES}
    assert set(post_only.values()) == {405}, post_only
    redirects = {name: statuses.pop(name) for name in REDIRECT_URL_NAMES}
    assert set(redirects.values()) == {302}, redirects
    assert set(statuses.values()) == {200}, statuses


def test_it_returns_404_for_another_tenants_api_token(objects_a, outsider, tenant_b):
    with scope(tenant=tenant_b):
        _token, key = api_token_create(membership=outsider, name="globex erp")
    client = client_for(None, HOST_A)
    team_url = reverse("team-detail", kwargs={"pk": objects_a["team"].pk})
    for url in ("/api/v1/me/", "/api/v1/teams/", team_url):
        assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 404


def test_it_does_not_show_another_tenants_team_to_a_member_of_that_tenant(
    tenant_b, outsider, team_a
):
    client = client_for(outsider, "globex.localhost")
    url = reverse("team-detail", kwargs={"pk": team_a.pk})
    assert client.get(url).status_code == 404
    assert [team["name"] for team in client.get("/api/v1/teams/").json()] == [TECHNICAL_TEAM]


def test_it_answers_404_for_an_unknown_tenant_host(db):
    assert client_for(None, "nobody.localhost").get("/accounts/login/").status_code == 404


def test_it_keeps_membership_rows_apart(tenant_a, tenant_b, admin_a, outsider):
    with scope(tenant=tenant_a):
        assert list(Membership.objects.values_list("user__email", flat=True)) == ["admin@acme.test"]
