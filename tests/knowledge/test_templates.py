"""Reply templates: placeholders, banned phrases, approval, macros."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from knowledge import selectors, services
from knowledge.models import ApprovalStatus, ReplyTemplate
from knowledge.services import TemplateFields
from tests.factories import CategoryFactory, CustomerFactory, TeamFactory, TicketFactory
from tickets.models import Message, Status, TicketEvent


@pytest.fixture
def ticket_a(tenant_a, agent_a, team_a):
    customer = CustomerFactory(tenant=tenant_a, name="Li Lei")
    return TicketFactory(tenant=tenant_a, customer=customer, team=team_a, subject="Washer leaks")


@pytest.fixture
def phrases(tenant_a):
    with scope(tenant=tenant_a):
        services.banned_phrases_seed(tenant=tenant_a)


def test_it_fills_exactly_the_three_placeholders(tenant_a, agent_a, ticket_a):
    agent_a.user.full_name = "Zhang Wei"
    text = "{{customer.name}}, #{{ ticket.number }} — {{ agent.name }} {{ ticket.secret }} {% x %}"
    with scope(tenant=tenant_a):
        filled = services.reply_template_fill(text=text, ticket=ticket_a, agent=agent_a)
    assert filled == f"Li Lei, #{ticket_a.number} — Zhang Wei {{{{ ticket.secret }}}} {{% x %}}"


def test_it_never_renders_a_template_with_the_template_engine(tenant_a, agent_a, ticket_a):
    ticket_a.customer.name = "{{ agent.name }}<script>"
    with scope(tenant=tenant_a):
        filled = services.reply_template_fill(
            text="Hi {{ customer.name }}", ticket=ticket_a, agent=agent_a
        )
    assert filled == "Hi {{ agent.name }}<script>"


def test_it_refuses_to_save_a_template_with_a_banned_phrase(tenant_a, agent_a, phrases):
    for text in ("这款产品绝对保证不坏", "It is ABSOLUTELY GUARANTEED to work", "永久有效"):
        with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
            services.reply_template_create(
                tenant=tenant_a, owner=agent_a, fields=TemplateFields(name="Promise", body=text)
            )
        assert "body" in error.value.message_dict
    with scope(tenant=tenant_a):
        assert ReplyTemplate.objects.count() == 0


def test_it_shows_the_banned_phrase_error_on_the_template_form(agent_client_a, phrases):
    response = agent_client_a.post(
        reverse("knowledge:template_new"),
        {"name": "Promise", "body": "Valid forever!", "scope": "personal"},
    )
    assert response.status_code == 400
    assert "valid forever" in response.content.decode()


def test_it_warns_about_banned_phrases_in_the_reply_composer(agent_client_a, phrases):
    url = reverse("knowledge:phrase_check")
    warning = agent_client_a.post(url, {"body": "我们绝对保证修好"}, HTTP_HX_REQUEST="true")
    assert "绝对保证" in warning.content.decode()
    clean = agent_client_a.post(url, {"body": "我们会尽快修好"}, HTTP_HX_REQUEST="true")
    assert clean.content.decode().strip() == ""


def test_it_needs_a_managers_approval_before_agents_use_a_shared_template(
    tenant_a, agent_a, admin_a
):
    with scope(tenant=tenant_a):
        shared = services.reply_template_create(
            tenant=tenant_a,
            owner=agent_a,
            fields=TemplateFields(name="Greeting", body="Hello", scope="tenant"),
        )
        personal = services.reply_template_create(
            tenant=tenant_a, owner=agent_a, fields=TemplateFields(name="Mine", body="Hi")
        )
        assert list(selectors.reply_templates_usable_by(agent_a)) == [personal]
        with pytest.raises(Exception, match="manager"):
            services.reply_template_review(template=shared, actor=agent_a, approve=True)
        services.reply_template_review(template=shared, actor=admin_a, approve=True)
        assert set(selectors.reply_templates_usable_by(agent_a)) == {shared, personal}
        services.reply_template_update(
            template=shared,
            actor=agent_a,
            fields=TemplateFields(name="Greeting", body="Hello again", scope="tenant"),
        )
        assert shared.approval_status == ApprovalStatus.PENDING
        assert list(selectors.reply_templates_usable_by(agent_a)) == [personal]


def test_it_limits_a_team_template_to_the_team(tenant_a, agent_a, admin_a, team_a):
    other_team = TeamFactory(tenant=tenant_a, name="Billing")
    with scope(tenant=tenant_a):
        for team in (team_a, other_team):
            template = services.reply_template_create(
                tenant=tenant_a,
                owner=admin_a,
                fields=TemplateFields(name=team.name, body="x", scope="team", team=team),
            )
            services.reply_template_review(template=template, actor=admin_a, approve=True)
        names = [t.name for t in selectors.reply_templates_usable_by(agent_a)]
    assert names == ["Repair"]


def test_it_approves_through_the_page_for_managers_only(
    tenant_a, agent_a, agent_client_a, admin_client_a
):
    with scope(tenant=tenant_a):
        shared = services.reply_template_create(
            tenant=tenant_a,
            owner=agent_a,
            fields=TemplateFields(name="G", body="x", scope="tenant"),
        )
    url = reverse("knowledge:template_review", args=[shared.pk])
    assert agent_client_a.post(url, {"decision": "approve"}).status_code == 404
    assert admin_client_a.post(url, {"decision": "approve"}).status_code == 302
    with scope(tenant=tenant_a):
        shared.refresh_from_db()
    assert shared.approval_status == ApprovalStatus.APPROVED


def test_it_applies_a_macros_field_changes_with_the_reply_each_with_an_event(
    tenant_a, agent_a, admin_a, agent_client_a, ticket_a
):
    category = CategoryFactory(tenant=tenant_a, name="Leaks")
    with scope(tenant=tenant_a):
        macro = services.reply_template_create(
            tenant=tenant_a,
            owner=agent_a,
            fields=TemplateFields(
                name="Fixed",
                body="Dear {{ customer.name }}, #{{ ticket.number }} is fixed.",
                set_status=Status.RESOLVED,
                set_priority="high",
                set_category=category,
                add_tags="leak, fixed",
            ),
        )
    url = reverse("knowledge:template_apply", args=[ticket_a.number, macro.pk])
    response = agent_client_a.post(url, {"body": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("ticket_detail", args=[ticket_a.number])
    with scope(tenant=tenant_a):
        ticket_a.refresh_from_db()
        assert ticket_a.status == Status.RESOLVED
        assert ticket_a.priority == "high"
        assert ticket_a.category == category
        assert sorted(ticket_a.tags.values_list("name", flat=True)) == ["fixed", "leak"]
        message = Message.objects.get(ticket=ticket_a)
        assert message.body == f"Dear Li Lei, #{ticket_a.number} is fixed."
        events = TicketEvent.objects.filter(ticket=ticket_a, actor=agent_a)
        fields = sorted(e.field for e in events if e.field)
    assert fields == ["category", "priority", "status", "status", "tags"]


def test_it_refuses_an_unapproved_shared_template_on_a_ticket(
    tenant_a, agent_a, agent_client_a, ticket_a
):
    with scope(tenant=tenant_a):
        shared = services.reply_template_create(
            tenant=tenant_a,
            owner=agent_a,
            fields=TemplateFields(name="G", body="x", scope="tenant"),
        )
    url = reverse("knowledge:template_apply", args=[ticket_a.number, shared.pk])
    assert agent_client_a.post(url).status_code == 404
    with scope(tenant=tenant_a):
        assert not Message.objects.filter(ticket=ticket_a).exists()
