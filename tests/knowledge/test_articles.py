"""Articles: drafts, publishing rights, revisions, preview, the ticket panel, figures."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from knowledge import selectors, services
from knowledge.models import Article, ArticleStatus, Deflection, TicketArticleLink, Visibility
from tests.factories import TicketFactory
from tests.knowledge.helpers import article


def _fields(**overrides):
    values = {"title": "Leaking washer", "body": "Check the **hose**.", "language": "en"}
    return services.ArticleFields(**{**values, **overrides})


def test_it_writes_a_revision_on_every_save(tenant_a, agent_a, admin_a):
    with scope(tenant=tenant_a):
        draft = services.article_create(tenant=tenant_a, author=agent_a, fields=_fields())
        services.article_update(article=draft, editor=agent_a, fields=_fields(title="Leaks"))
        services.article_set_status(article=draft, actor=admin_a, status="published")
        revisions = list(
            draft.revisions.order_by("number").values_list("number", "title", "status")
        )
    assert revisions == [
        (1, "Leaking washer", "draft"),
        (2, "Leaks", "draft"),
        (3, "Leaks", "published"),
    ]


def test_it_lets_only_authors_and_managers_publish(tenant_a, agent_a, admin_a):
    with scope(tenant=tenant_a):
        draft = services.article_create(tenant=tenant_a, author=agent_a, fields=_fields())
        with pytest.raises(PermissionDenied):
            services.article_set_status(article=draft, actor=agent_a, status="published")
        services.knowledge_author_grant(membership=agent_a, actor=admin_a)
        services.article_set_status(article=draft, actor=agent_a, status="published")
        assert draft.status == ArticleStatus.PUBLISHED
        assert draft.published_at is not None


def test_it_keeps_a_published_article_from_being_edited_by_a_plain_agent(
    tenant_a, agent_a, admin_a, agent_client_a
):
    with scope(tenant=tenant_a):
        published = article(tenant=tenant_a, author=agent_a, publisher=admin_a, title="Leaks")
    url = reverse("knowledge:article_edit", args=[published.pk])
    assert agent_client_a.get(url).status_code == 404
    publish = reverse("knowledge:article_status", args=[published.pk])
    agent_client_a.post(publish, {"status": "archived"})
    with scope(tenant=tenant_a):
        assert Article.objects.get(pk=published.pk).status == ArticleStatus.PUBLISHED


def test_it_creates_a_draft_from_the_editor_page(tenant_a, agent_client_a):
    response = agent_client_a.post(
        reverse("knowledge:article_new"),
        {"title": "E4", "body": "Spread the load.", "visibility": "public", "language": "en"},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        created = Article.objects.get()
    assert created.status == ArticleStatus.DRAFT
    assert created.search_title == "e4"


def test_it_previews_the_sanitized_body(agent_client_a):
    body = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    response = agent_client_a.post(reverse("knowledge:preview"), {"body": body})
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_it_suggests_articles_on_the_ticket_page_and_links_them(
    tenant_a, agent_a, admin_a, team_a, agent_client_a
):
    ticket = TicketFactory(tenant=tenant_a, team=team_a, subject="My washer is leaking")
    with scope(tenant=tenant_a):
        guide = article(tenant=tenant_a, author=admin_a, title="Washer leaking: what to do")
        article(tenant=tenant_a, author=admin_a, title="Washer leaking draft", status="draft")
    panel = agent_client_a.get(reverse("knowledge:ticket_panel", args=[ticket.number]))
    content = panel.content.decode()
    assert "Washer leaking: what to do" in content
    assert "Washer leaking draft" not in content
    assert reverse("knowledge:public_article", args=[guide.pk]) in content
    page = agent_client_a.get(reverse("ticket_detail", args=[ticket.number])).content.decode()
    assert reverse("knowledge:ticket_panel", args=[ticket.number]) in page
    assert "knowledge/composer.js" in page
    link = reverse("knowledge:ticket_link", args=[ticket.number])
    agent_client_a.post(link, {"article": guide.pk, "kind": "inserted_text"}, HTTP_HX_REQUEST="1")
    with scope(tenant=tenant_a):
        assert TicketArticleLink.objects.get().kind == "inserted_text"


def test_it_does_not_link_another_tenants_article(tenant_a, tenant_b, agent_a, team_a, outsider):
    ticket = TicketFactory(tenant=tenant_a, team=team_a)
    with scope(tenant=tenant_b):
        foreign = article(tenant=tenant_b, author=outsider, title="Globex secret")
    from tests.conftest import client_for

    url = reverse("knowledge:ticket_link", args=[ticket.number])
    assert client_for(agent_a).post(url, {"article": foreign.pk}).status_code == 404


def test_it_reports_usage_rate_and_deflections(tenant_a, admin_a):
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    tickets = [TicketFactory(tenant=tenant_a) for _ in range(4)]
    with scope(tenant=tenant_a):
        guide = article(tenant=tenant_a, author=admin_a, title="Guide")
        internal = article(
            tenant=tenant_a, author=admin_a, title="Notes", visibility=Visibility.INTERNAL
        )
        services.ticket_article_link(ticket=tickets[0], article=guide, actor=admin_a)
        services.ticket_article_link(ticket=tickets[0], article=internal, actor=admin_a)
        services.ticket_article_link(
            ticket=tickets[1], article=guide, actor=admin_a, kind="inserted_link"
        )
        services.deflection_record(article=guide, query="leak")
        usage = selectors.knowledge_usage_rate(tenant=tenant_a, start=start, end=end)
        deflections = selectors.deflection_count(tenant=tenant_a, start=start, end=end)
    assert (usage.tickets, usage.tickets_with_article, usage.rate) == (4, 2, 0.5)
    assert deflections == 1
    with scope(tenant=tenant_a):
        assert Deflection.objects.count() == 1


def test_it_lets_a_manager_grant_the_author_role_on_the_page(
    tenant_a, agent_a, admin_client_a, agent_client_a
):
    url = reverse("knowledge:authors")
    assert agent_client_a.get(url).status_code == 404
    admin_client_a.post(url, {"membership": agent_a.pk, "grant": "on"})
    with scope(tenant=tenant_a):
        assert selectors.is_publisher(agent_a)
