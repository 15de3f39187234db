"""Search: the tokeniser, full-text search on PostgreSQL, the fallback everywhere."""

import pytest
from django_scopes import scope

from knowledge import search, selectors
from knowledge.models import Article
from tests.knowledge.conftest import postgres_only
from tests.knowledge.helpers import article


def test_it_stores_chinese_as_character_bigrams_and_other_words_lower_case():
    assert search.search_text("洗衣机漏水", "Error E4!") == "洗衣 衣机 机漏 漏水 error e4"


def test_it_builds_a_query_only_from_its_own_tokens():
    assert search.tsquery_text("漏水 E4") == "(漏水) & e4:*"
    assert search.tsquery_text("洗衣机") == "(洗衣 | 衣机)"
    assert search.tsquery_text("a' | !b & (c:*") == "a:* & b:* & c:*"
    assert search.tsquery_text("my washer leaks", match_any=True) == "washer:* | leaks:*"


def test_it_marks_matches_in_an_escaped_snippet():
    found = Article(summary="", body="<b>Dry</b> the 洗衣机出现漏水 & <script>x</script>")
    html = str(search.snippet(found, "洗衣机漏水 dry"))
    assert "<mark>Dry</mark>" in html
    assert "<mark>洗衣机</mark>出现<mark>漏水</mark>" in html
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script" in html and "&amp;" in html


@pytest.fixture
def library(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        return {
            "zh": article(
                tenant=tenant_a,
                author=admin_a,
                title="洗衣机漏水怎么办",
                body="请先检查进水管是否松动，再检查排水管。",
                language="zh-hans",
            ),
            "en_title": article(
                tenant=tenant_a,
                author=admin_a,
                title="Washing machine leaking water",
                body="Check the inlet hose first.",
            ),
            "en_body": article(
                tenant=tenant_a,
                author=admin_a,
                title="Installing your dishwasher",
                body="Unlike a washing machine, a dishwasher rarely ends up leaking.",
            ),
        }


def _titles(tenant, query, **kwargs):
    with scope(tenant=tenant):
        return [hit.article.title for hit in selectors.public_search(query=query, **kwargs)]


@postgres_only
def test_it_finds_the_chinese_article_with_a_chinese_query(tenant_a, library):
    assert _titles(tenant_a, "漏水") == ["洗衣机漏水怎么办"]
    assert _titles(tenant_a, "排水管") == ["洗衣机漏水怎么办"]
    assert _titles(tenant_a, "洗碗机") == []


@postgres_only
def test_it_ranks_a_title_match_above_a_body_match(tenant_a, library):
    assert _titles(tenant_a, "washing leaking") == [
        "Washing machine leaking water",
        "Installing your dishwasher",
    ]


@postgres_only
def test_it_matches_english_words_as_prefixes(tenant_a, library):
    assert _titles(tenant_a, "leak") == [
        "Washing machine leaking water",
        "Installing your dishwasher",
    ]


@postgres_only
def test_it_highlights_english_matches_with_ts_headline(tenant_a, library):
    with scope(tenant=tenant_a):
        hit = selectors.public_search(query="inlet")[0]
    assert "<mark>inlet</mark>" in str(hit.snippet)


def test_it_falls_back_to_icontains_without_postgresql(tenant_a, library):
    # The fallback is what SQLite runs; it is callable on any database.
    with scope(tenant=tenant_a):
        hits = search._search_fallback(selectors.public_articles(), "漏水", 20, False)
        english = search._search_fallback(selectors.public_articles(), "WASHING", 20, False)
    assert [hit.article.title for hit in hits] == ["洗衣机漏水怎么办"]
    assert english[0].article.title == "Washing machine leaking water"
    assert "<mark>漏水</mark>" not in str(hits[0].snippet)  # the match is in the title
    assert "<mark>washing</mark>" in str(english[1].snippet)


def test_it_finds_articles_on_whatever_database_runs(tenant_a, library):
    assert _titles(tenant_a, "洗衣机漏水")[0] == "洗衣机漏水怎么办"
    assert "Washing machine leaking water" in _titles(tenant_a, "inlet hose")
    assert _titles(tenant_a, "  ") == []
