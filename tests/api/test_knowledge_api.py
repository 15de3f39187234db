"""Knowledge articles through the API: list and search, read, write, publish, archive; who may
do what (a member, the article's author, a knowledge author, a manager); tenants apart."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from knowledge import services
from knowledge.models import Article, ArticleStatus, Visibility
from tests.api.conftest import patch_json, post_json, token_client
from tests.conftest import HOST_A, HOST_B, client_for
from tests.knowledge.helpers import article

ARTICLES = "/api/v1/articles/"


def url(pk, tail="") -> str:
    return f"{ARTICLES}{pk}/{tail}"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def library(tenant_a, admin_a, agent_a):
    """A public and an internal published article, the agent's draft and an archived one."""
    with scope(tenant=tenant_a):
        return {
            "public": article(
                tenant=tenant_a,
                author=admin_a,
                title="洗衣机漏水怎么办",
                body="先关闭电源，再检查排水管是否松动。",
                language="zh-hans",
            ),
            "internal": article(
                tenant=tenant_a,
                author=admin_a,
                title="漏水维修的内部报价",
                body="上门维修漏水：配件按成本价。",
                visibility=Visibility.INTERNAL,
                language="zh-hans",
            ),
            "draft": article(
                tenant=tenant_a, author=agent_a, title="Dryer noise", status=ArticleStatus.DRAFT
            ),
            "archived": article(
                tenant=tenant_a, author=admin_a, title="Old model", status=ArticleStatus.ARCHIVED
            ),
        }


def stored(tenant, pk) -> Article:
    with scope(tenant=tenant):
        return Article.objects.get(pk=pk)


# --- list and search --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_it_lists_every_article_to_a_member_newest_first(library, admin_a, agent_a, role):
    client = token_client(admin_a if role == "admin" else agent_a)
    response = client.get(ARTICLES)
    assert response.status_code == 200
    expected = ["archived", "draft", "internal", "public"]
    assert ids(response) == [library[name].pk for name in expected]
    row = response.json()["results"][3]
    assert (row["title"], row["status"], row["visibility"]) == (
        "洗衣机漏水怎么办",
        "published",
        "public",
    )
    assert row["is_public"] is True and row["snippet"] is None
    assert row["author"]["email"] == "admin@acme.test"
    assert datetime.fromisoformat(row["published_at"]).tzinfo is not None
    assert "body" not in row


def test_it_filters_to_what_customers_may_read(api_a, library):
    response = api_a.get(ARTICLES, {"status": "published", "visibility": "public"})
    assert ids(response) == [library["public"].pk]
    assert ids(api_a.get(ARTICLES, {"status": "draft"})) == [library["draft"].pk]
    assert ids(api_a.get(ARTICLES, {"visibility": "internal"})) == [library["internal"].pk]


def test_it_finds_a_chinese_article_by_a_word_inside_its_title(api_a, library):
    response = api_a.get(ARTICLES, {"search": "漏水"})
    assert response.status_code == 200
    found = response.json()
    assert set(ids(response)) == {library["public"].pk, library["internal"].pk}
    assert found["next"] is None
    snippets = {row["id"]: row["snippet"] for row in found["results"]}
    assert "<mark>漏水</mark>" in snippets[library["internal"].pk]  # marked in the body


def test_it_searches_only_the_filtered_articles(api_a, library):
    response = api_a.get(
        ARTICLES, {"search": "漏水", "status": "published", "visibility": "public"}
    )
    assert ids(response) == [library["public"].pk]
    assert api_a.get(ARTICLES, {"search": "dryer", "status": "published"}).json()["results"] == []
    assert ids(api_a.get(ARTICLES, {"search": "dryer"})) == [library["draft"].pk]


def test_it_escapes_what_the_snippet_shows(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        article(tenant=tenant_a, author=admin_a, title="Pump", body="<script>x()</script> pump")
    snippet = api_a.get(ARTICLES, {"search": "pump"}).json()["results"][0]["snippet"]
    assert "pump" in snippet.lower() and "<script" not in snippet


@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"visibility": ""}, {"category": "x"}, {"search": "x" * 201}],
)
def test_it_names_a_bad_list_parameter(api_a, library, params):
    response = api_a.get(ARTICLES, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_it_lists_articles_in_a_constant_number_of_queries(
    api_a, tenant_a, admin_a, library, django_assert_max_num_queries
):
    api_a.get(ARTICLES)  # the token's last-use stamp is written once
    with CaptureQueriesContext(connection) as few:
        api_a.get(ARTICLES)
    with scope(tenant=tenant_a):
        category = services.category_create(tenant=tenant_a, name="Dryers")
        for index in range(5):
            article(tenant=tenant_a, author=admin_a, title=f"Tip {index}", category=category)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api_a.get(ARTICLES).json()["results"]) == 9


# --- read -------------------------------------------------------------------------------------


def test_it_shows_the_markdown_and_the_sanitized_html(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        found = article(
            tenant=tenant_a,
            author=admin_a,
            title="Hose",
            body="Tighten the **hose**.<script>alert(1)</script>",
        )
    body = api_a.get(url(found.pk)).json()
    assert body["body"] == "Tighten the **hose**.<script>alert(1)</script>"
    assert "<strong>hose</strong>" in body["body_html"]
    assert "<script" not in body["body_html"]


def test_it_404s_an_unknown_article(api_a, library):
    assert api_a.get(url(library["public"].pk + 100)).status_code == 404
    assert api_a.get(url("abc")).status_code == 404
    assert api_a.get(url(2**64)).status_code == 404


# --- write ------------------------------------------------------------------------------------


def test_it_saves_any_members_new_article_as_a_draft(agent_api_a, tenant_a, agent_a):
    with scope(tenant=tenant_a):
        category = services.category_create(tenant=tenant_a, name="Washers")
    response = post_json(
        agent_api_a,
        ARTICLES,
        {
            "title": "洗衣机噪音大",
            "body": "检查**底脚**是否放平。",
            "tags": ["洗衣机", "噪音"],
            "category": category.pk,
            "visibility": "internal",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["visibility"], body["language"]) == (
        "draft",
        "internal",
        tenant_a.default_language,
    )
    assert body["tags"] == ["洗衣机", "噪音"]
    assert body["category"] == {"id": category.pk, "name": "Washers"}
    assert body["author"]["email"] == agent_a.user.email
    assert "<strong>底脚</strong>" in body["body_html"]
    with scope(tenant=tenant_a):
        assert Article.objects.get(pk=body["id"]).revisions.count() == 1


def test_it_creates_once_per_idempotency_key(api_a, tenant_a):
    body = {"title": "Hose", "body": "Tighten it."}
    first = post_json(api_a, ARTICLES, body, **{"Idempotency-Key": "a-1"})
    again = post_json(api_a, ARTICLES, body, **{"Idempotency-Key": "a-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    with scope(tenant=tenant_a):
        assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("title", {"body": "Text."}),
        ("title", {"title": "  ", "body": "Text."}),
        ("body", {"title": "Hose", "body": "   "}),
        ("category", {"title": "Hose", "body": "Text.", "category": 987654}),
        ("visibility", {"title": "Hose", "body": "Text.", "visibility": "everyone"}),
        ("language", {"title": "Hose", "body": "Text.", "language": "fr"}),
        ("tags", {"title": "Hose", "body": "Text.", "tags": ["a" * 40] * 8}),
        ("tags", {"title": "Hose", "body": "Text.", "tags": "hose"}),
    ],
)
def test_it_names_the_field_of_a_refused_article(api_a, tenant_a, field, body):
    response = post_json(api_a, ARTICLES, body)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    with scope(tenant=tenant_a):
        assert not Article.objects.exists()


def test_it_changes_only_the_fields_sent(api_a, tenant_a, library):
    public = library["public"]
    response = patch_json(api_a, url(public.pk), {"tags": ["维修"], "visibility": "internal"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["tags"], body["visibility"]) == (
        "洗衣机漏水怎么办",
        ["维修"],
        "internal",
    )
    assert body["body"] == "先关闭电源，再检查排水管是否松动。"
    assert body["status"] == "published"


def test_it_lets_the_author_edit_a_draft_but_not_publish_it(agent_api_a, tenant_a, library):
    draft = library["draft"]
    edited = patch_json(agent_api_a, url(draft.pk), {"title": "Dryer rattles"})
    assert edited.status_code == 200
    refused = patch_json(agent_api_a, url(draft.pk), {"title": "Gone", "status": "published"})
    assert refused.status_code == 403
    assert "detail" in refused.json()
    found = stored(tenant_a, draft.pk)
    assert (found.title, found.status) == ("Dryer rattles", ArticleStatus.DRAFT)


def test_it_keeps_a_plain_agent_off_published_and_others_articles(agent_api_a, tenant_a, library):
    for name in ("public", "internal"):
        response = patch_json(agent_api_a, url(library[name].pk), {"title": "Mine now"})
        assert response.status_code == 403, name
        assert stored(tenant_a, library[name].pk).title != "Mine now"
    assert agent_api_a.delete(url(library["public"].pk)).status_code == 403
    assert stored(tenant_a, library["public"].pk).status == ArticleStatus.PUBLISHED


def test_a_knowledge_author_publishes_and_archives(tenant_a, admin_a, agent_a, library):
    with scope(tenant=tenant_a):
        services.knowledge_author_grant(membership=agent_a, actor=admin_a)
    client = token_client(agent_a)
    draft = library["draft"]
    published = patch_json(client, url(draft.pk), {"status": "published"})
    assert published.status_code == 200
    assert published.json()["published_at"] is not None
    assert published.json()["is_public"] is True
    assert client.delete(url(draft.pk)).status_code == 204
    assert stored(tenant_a, draft.pk).status == ArticleStatus.ARCHIVED


def test_it_archives_rather_than_erases_on_delete(api_a, tenant_a, library):
    public = library["public"]
    assert api_a.delete(url(public.pk)).status_code == 204
    body = api_a.get(url(public.pk)).json()
    assert (body["status"], body["is_public"]) == ("archived", False)
    with scope(tenant=tenant_a):
        assert public.revisions.filter(note="Archived").count() == 1


def test_it_names_an_unknown_status(api_a, library):
    response = patch_json(api_a, url(library["draft"].pk), {"status": "deleted"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_it_refuses_put(api_a, library):
    response = api_a.put(url(library["draft"].pk), {}, content_type="application/json")
    assert response.status_code == 405


# --- tenants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("as_token", [True, False])
def test_it_answers_404_to_an_outsider_on_every_article_route(
    tenant_a, library, outsider, as_token
):
    client = token_client(outsider, HOST_A) if as_token else client_for(outsider)
    public = library["public"]
    assert client.get(ARTICLES).status_code == 404
    assert client.get(url(public.pk)).status_code == 404
    assert post_json(client, ARTICLES, {"title": "x", "body": "y"}).status_code == 404
    assert patch_json(client, url(public.pk), {"title": "Defaced"}).status_code == 404
    assert client.delete(url(public.pk)).status_code == 404
    found = stored(tenant_a, public.pk)
    assert (found.title, found.status) == ("洗衣机漏水怎么办", ArticleStatus.PUBLISHED)


def test_it_does_not_find_tenant_as_articles_from_the_outsiders_own_host(library, outsider):
    client = token_client(outsider, HOST_B)
    assert client.get(ARTICLES).json()["results"] == []
    assert client.get(ARTICLES, {"search": "漏水"}).json()["results"] == []
    for name in ("public", "draft"):
        assert client.get(url(library[name].pk)).status_code == 404
        assert client.delete(url(library[name].pk)).status_code == 404
