"""Article search: PostgreSQL full-text search with ranking, and a fallback for SQLite.

Why Chinese needs help: PostgreSQL's text-search parser splits on spaces and punctuation, and
Chinese is written without spaces, so ``to_tsvector('simple', '洗衣机漏水怎么办')`` is one single
token and a search for 漏水 ("leaking") finds nothing. Real word segmentation needs an extension
(zhparser, pg_jieba) that managed PostgreSQL services rarely offer. ``pg_trgm`` needs no
segmentation, but it only yields a similarity score (no weights, no AND of several terms), a
two-character Chinese word is shorter than a trigram, and whether it sees CJK characters at all
depends on the database's ctype locale.

So the application tokenises: every run of CJK characters is stored as its overlapping
character bigrams (洗衣机漏水 → 洗衣 衣机 机漏 漏水), other words as lower-case words, in the
``search_title`` / ``search_body`` columns; a generated ``tsvector`` column parses them with
the ``simple`` configuration and a GIN index serves ``@@``. A query goes through the same
tokeniser, so most Chinese words (two characters) are exactly one bigram and longer ones are
covered by theirs. Bigrams inside one Chinese run are OR-ed and the rank rewards covering more
of them; separate words are AND-ed; Latin words match as prefixes, which stands in for
stemming (the ``simple`` configuration has none).
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Article

# CJK unified ideographs (+ extension A, compatibility ideographs): the scripts written without
# spaces that we split into bigrams. Kana and Hangul are left to the word tokeniser.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TOKENS = 12
MAX_RANKED = 1000
# Weights D, C, B, A (PostgreSQL's order): title matches count most.
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
SNIPPET_CHARS = 160
_MARK_START, _MARK_STOP = "\x02", "\x03"  # sentinels, swapped for <mark> after escaping


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def search_text(*parts: str) -> str:
    """The tokenised form stored in ``search_title`` / ``search_body``: space-separated words,
    Chinese runs as bigrams."""
    tokens: list[str] = []
    for part in parts:
        for match in _TOKEN.finditer((part or "").lower()):
            word = match.group()
            tokens.extend(_bigrams(word) if _IS_CJK.match(word) else [word])
    return " ".join(tokens)


def has_cjk(text: str) -> bool:
    return bool(_IS_CJK.search(text or ""))


def query_words(query: str) -> list[str]:
    """The words of a query as typed (Chinese runs whole), lower-case, at most a dozen."""
    return [m.group() for m in _TOKEN.finditer((query or "").lower())][:MAX_QUERY_TOKENS]


def tsquery_text(query: str, *, match_any: bool = False, strict: bool = False) -> str:
    """A ``to_tsquery`` string built from our own tokens only (letters, digits, CJK), so no
    operator typed by a user reaches the parser. Empty if the query has no words.

    Words are AND-ed; the bigrams of one Chinese run are OR-ed (we cannot tell where its words
    end, and the rank rewards covering more of them), or AND-ed when ``strict``.
    ``match_any`` (suggestions from a ticket's subject, a whole sentence) OR-s the words and
    skips Latin words under three letters, which match nearly everything."""
    groups = []
    for word in _words(query, match_any=match_any):
        if _IS_CJK.match(word):
            grams = _bigrams(word)
            # A lone character can only be the start of a stored bigram: prefix match.
            terms = [f"{grams[0]}:*"] if len(word) == 1 else grams
            groups.append("(" + (" & " if strict else " | ").join(terms) + ")")
        else:
            groups.append(f"{word}:*")
    return (" | " if match_any and not strict else " & ").join(groups)


def _words(query: str, *, match_any: bool) -> list[str]:
    words = query_words(query)
    if not match_any:
        return words
    return [w for w in words if len(w) >= 3 or _IS_CJK.match(w) or w.isdigit()] or words


class Matches(Func):
    """``vector @@ query``, usable directly in ``filter()``."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: SafeString
    rank: float


def search(
    articles: QuerySet[Article], query: str, *, limit: int = 20, match_any: bool = False
) -> list[SearchHit]:
    """Rank ``articles`` (already narrowed to what the reader may see) against ``query``:
    every word must match, or with ``match_any`` at least one.

    Precondition: the tenant scope is active and ``articles`` is filtered to one tenant.
    """
    if not query_words(query):
        return []
    if uses_full_text_search():
        return _search_postgresql(articles, query, limit, match_any)
    return _search_fallback(articles, query, limit, match_any)


class TitleVector(Func):
    """``to_tsvector('simple', search_title)``: exactly the expression of the
    ``kb_article_title_search`` index (migration 0002), so title matches are found in it.
    The weights inside ``search_vector`` cannot do that: a GIN index does not store them,
    and filtering on weight A would recheck every row that has the word anywhere."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(F("search_title"))


def _search_postgresql(
    articles: QuerySet[Article], query: str, limit: int, match_any: bool
) -> list[SearchHit]:
    """Three tiers, each filling what is left of the page: every word in the title, every
    word anywhere, then the loose query. Articles with everything typed in their title come
    first, and the common case ranks a small candidate set (ranking reads each candidate's
    vector; a word in half of a big knowledge base has thousands)."""
    strict = tsquery_text(query, match_any=match_any, strict=True)
    loose = tsquery_text(query, match_any=match_any)
    tiers = [(strict, TitleVector()), (strict, F("search_vector"))]
    if loose != strict:
        tiers.append((loose, F("search_vector")))
    ranked: list[Article] = []
    for text, vector in tiers:
        rest = articles.exclude(pk__in=[a.pk for a in ranked]) if ranked else articles
        ranked += _ranked(rest, text, vector, limit - len(ranked))
        if len(ranked) >= limit:
            break
    headlines = _headlines(ranked, query)
    return [
        SearchHit(article, headlines.get(article.pk) or snippet(article, query), article.rank)
        for article in ranked
    ]


def _ranked(articles: QuerySet[Article], text: str, vector, limit: int) -> list[Article]:
    """The best ``limit`` articles whose ``vector`` matches ``text``, ranked among at most
    ``MAX_RANKED`` candidates: past that many matches the query says too little for the order
    to mean much, and ranking them all is what would make a common word slow."""
    tsquery = SearchQuery(text, search_type="raw", config="simple")
    candidates = articles.filter(Matches(vector, tsquery)).values("pk")
    return list(
        Article.objects.filter(pk__in=candidates[:MAX_RANKED])
        .annotate(rank=SearchRank(F("search_vector"), tsquery, weights=RANK_WEIGHTS))
        .select_related("category")
        .defer("search_title", "search_body", "search_vector")
        .order_by("-rank", "-published_at", "-pk")[:limit]
    )


def _headlines(ranked: list[Article], query: str) -> dict[int, SafeString]:
    """``ts_headline`` for Latin-script queries, computed for the page's rows only (in the
    ranked query PostgreSQL would compute it for every match before sorting). It cannot mark
    Chinese words, which the parser does not see (module docstring): those get ``snippet``."""
    if not ranked or has_cjk(query):
        return {}
    words = " | ".join(f"{word}:*" for word in query_words(query))
    headline = SearchHeadline(
        "body",
        SearchQuery(words, search_type="raw", config="simple"),
        config="simple",
        start_sel=_MARK_START,
        stop_sel=_MARK_STOP,
        max_words=30,
        min_words=10,
        max_fragments=1,
    )
    rows = Article.objects.filter(pk__in=[a.pk for a in ranked]).annotate(headline=headline)
    return {
        pk: _marked(" ".join(_plain(text).split()))
        for pk, text in rows.values_list("pk", "headline")
        if _MARK_START in (text or "")
    }


def _search_fallback(
    articles: QuerySet[Article], query: str, limit: int, match_any: bool
) -> list[SearchHit]:
    """SQLite (the embedded default): the words must appear in the title, summary or body."""
    match = Q()
    for word in _words(query, match_any=match_any):
        found_in = Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        match = (match | found_in) if match_any else (match & found_in)
    found = list(
        articles.filter(match)
        .select_related("category")
        .order_by("-published_at", "-pk")[: limit * 3]
    )
    # Title matches first: a cheap stand-in for the ranking PostgreSQL does.
    words = query_words(query)
    found.sort(key=lambda a: -sum(word in a.title.lower() for word in words))
    return [SearchHit(article, snippet(article, query), 0.0) for article in found[:limit]]


def snippet(article: Article, query: str) -> SafeString:
    """An excerpt of the summary or body around the first match, escaped, matches marked.

    Chinese terms are marked by their bigrams, as they were matched, so 洗衣机漏水 marks
    洗衣机 and 漏水 in "洗衣机出现漏水"."""
    text = " ".join(f"{article.summary} {_plain(article.body)}".split())
    text = text.replace(_MARK_START, "").replace(_MARK_STOP, "")
    marked = _match_mask(text, query)
    first = marked.index(True) if True in marked else 0
    start = max(0, first - SNIPPET_CHARS // 3)
    end = start + SNIPPET_CHARS
    pieces = ["…" if start else ""]
    for position in range(start, min(end, len(text))):
        opens = marked[position] and (position == start or not marked[position - 1])
        closes = marked[position] and (position + 1 == end or not _at(marked, position + 1))
        pieces.append((_MARK_START if opens else "") + text[position])
        pieces.append(_MARK_STOP if closes else "")
    pieces.append("…" if end < len(text) else "")
    return _marked("".join(pieces))


def _at(mask: list[bool], position: int) -> bool:
    return position < len(mask) and mask[position]


def _match_mask(text: str, query: str) -> list[bool]:
    """For each character of ``text``: is it part of a query term (Latin words as prefixes
    of any case, Chinese by bigram)?"""
    terms: set[str] = set()
    for word in query_words(query):
        terms.update(_bigrams(word) if _IS_CJK.match(word) else [word])
    mask = [False] * len(text)
    lowered = text.lower()
    for term in terms:
        for found in re.finditer(re.escape(term), lowered):
            mask[found.start() : found.end()] = [True] * (found.end() - found.start())
    return mask


def _plain(markdown_text: str) -> str:
    # Good enough for an excerpt: drop the Markdown punctuation, keep the words.
    return re.sub(r"[#*_`>\[\]()|~-]+", " ", markdown_text or "")


def _marked(text: str) -> SafeString:
    """Escape everything, then turn the sentinels into <mark>: only our marks are HTML."""
    escaped = escape(text or "")
    html = escaped.replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped just above; only our own tags added  # nosec B308 B703
