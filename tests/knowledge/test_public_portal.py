"""The public knowledge base: only published public articles of the host's tenant."""

import pytest
from django.urls import reverse
from django_scopes import scope

from knowledge.models import Article, ArticleStatus, ArticleVote, Deflection, Visibility
from tests.conftest import HOST_B, client_for
from tests.knowledge.helpers import article


@pytest.fixture
def articles_a(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        return {
            "public": article(tenant=tenant_a, author=admin_a, title="Public leak guide"),
            "draft": article(
                tenant=tenant_a, author=admin_a, title="Draft leak notes", status="draft"
            ),
            "internal": article(
                tenant=tenant_a,
                author=admin_a,
                title="Internal leak checklist",
                visibility=Visibility.INTERNAL,
            ),
            "archived": article(
                tenant=tenant_a,
                author=admin_a,
                title="Archived leak guide",
                status=ArticleStatus.ARCHIVED,
            ),
        }


def _pages(client, query="leak"):
    urls = [
        reverse("knowledge:public_home"),
        reverse("knowledge:public_search") + f"?q={query}",
        reverse("knowledge:public_suggest") + f"?subject={query}",
    ]
    return "".join(client.get(url).content.decode() for url in urls)


def test_it_shows_published_public_articles_without_sign_in(articles_a):
    client = client_for(None)
    assert "Public leak guide" in _pages(client)
    response = client.get(reverse("knowledge:public_article", args=[articles_a["public"].pk]))
    assert response.status_code == 200
    assert "Public leak guide" in response.content.decode()


def test_it_never_shows_drafts_internal_or_archived_articles(articles_a):
    client = client_for(None)
    content = _pages(client)
    for key in ("draft", "internal", "archived"):
        assert articles_a[key].title not in content
        url = reverse("knowledge:public_article", args=[articles_a[key].pk])
        assert client.get(url).status_code == 404
        solved = reverse("knowledge:public_solved", args=[articles_a[key].pk])
        assert client.post(solved).status_code == 404


def test_it_never_shows_tenant_a_articles_on_tenant_b_host(articles_a, tenant_b):
    client = client_for(None, HOST_B)
    content = _pages(client)
    assert not [found.title for found in articles_a.values() if found.title in content]
    for found in articles_a.values():
        for name in ("public_article", "public_vote", "public_solved", "public_viewed"):
            url = reverse(f"knowledge:{name}", args=[found.pk])
            method = client.get if name == "public_article" else client.post
            assert method(url).status_code == 404, name


def test_it_counts_a_deflection_and_submits_nothing(articles_a, tenant_a):
    client = client_for(None)
    url = reverse("knowledge:public_solved", args=[articles_a["public"].pk])
    response = client.post(url, {"q": "my washer leaks"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "No request was sent" in response.content.decode()
    with scope(tenant=tenant_a):
        deflection = Deflection.objects.get()
        assert deflection.query == "my washer leaks"
        assert deflection.article == articles_a["public"]
        from tickets.models import Ticket

        assert Ticket.objects.count() == 0


def test_it_counts_one_vote_per_session(articles_a, tenant_a):
    client = client_for(None)
    url = reverse("knowledge:public_vote", args=[articles_a["public"].pk])
    client.post(url, {"helpful": "yes"})
    client.post(url, {"helpful": "no"})
    client_for(None).post(url, {"helpful": "no"})
    with scope(tenant=tenant_a):
        found = Article.objects.get(pk=articles_a["public"].pk)
        assert (found.helpful_count, found.not_helpful_count) == (1, 1)
        assert ArticleVote.objects.count() == 2


def test_it_counts_a_view_once_per_session_and_not_on_get(articles_a, tenant_a):
    client = client_for(None)
    pk = articles_a["public"].pk
    client.get(reverse("knowledge:public_article", args=[pk]))
    client.post(reverse("knowledge:public_viewed", args=[pk]))
    client.post(reverse("knowledge:public_viewed", args=[pk]))
    with scope(tenant=tenant_a):
        assert Article.objects.get(pk=pk).view_count == 1


def test_it_suggests_articles_while_typing_as_an_htmx_partial(articles_a):
    response = client_for(None).get(
        reverse("knowledge:public_suggest"), {"subject": "leak"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Public leak guide" in content
    assert reverse("knowledge:public_solved", args=[articles_a["public"].pk]) in content


def test_it_requires_csrf_on_public_posts(articles_a):
    from django.test import Client

    client = Client(HTTP_HOST="acme.localhost", enforce_csrf_checks=True)
    url = reverse("knowledge:public_solved", args=[articles_a["public"].pk])
    assert client.post(url).status_code == 403
