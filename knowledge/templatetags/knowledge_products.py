"""``{% product_articles product as articles %}``: the published articles about a product, for
its page in the catalogue (which lives below knowledge and so cannot read articles itself)."""

from django import template

from knowledge.models import Article, ArticleStatus
from products.models import Product

register = template.Library()

MAX_ARTICLES_SHOWN = 20


@register.simple_tag
def product_articles(product: Product) -> list[Article]:
    """Published articles linked to ``product``, newest first (one query). Precondition: the
    tenant scope is active (a page of the tenant)."""
    articles = product.articles.filter(status=ArticleStatus.PUBLISHED)
    return list(articles.order_by("-published_at", "-pk")[:MAX_ARTICLES_SHOWN])
