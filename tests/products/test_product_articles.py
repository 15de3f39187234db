"""Knowledge articles linked to a product: chosen in the article editor, listed on the
product's page when published."""

from django.urls import reverse
from django_scopes import scope

from knowledge.models import Article
from products.services import product_create
from tests.knowledge.helpers import article


def test_it_links_articles_to_products_from_the_editor_and_lists_published_ones(
    tenant_a, admin_a, admin_client_a
):
    with scope(tenant=tenant_a):
        cooler = product_create(tenant=tenant_a, actor=admin_a, model_code="AC-1", name="AC")
        other = product_create(tenant=tenant_a, actor=admin_a, model_code="WP-1", name="WP")
        published = article(tenant=tenant_a, author=admin_a, title="E4 on the display")
    editor = admin_client_a.get(reverse("knowledge:article_edit", args=[published.pk]))
    assert 'name="products"' in editor.content.decode()
    response = admin_client_a.post(
        reverse("knowledge:article_edit", args=[published.pk]),
        {
            "title": "E4 on the display",
            "body": "Clean the filter.",
            "visibility": "public",
            "language": "en",
            "products": [cooler.pk],
        },
    )
    assert response.status_code == 302
    admin_client_a.post(
        reverse("knowledge:article_new"),
        {
            "title": "Unpublished notes",
            "body": "x",
            "visibility": "public",
            "language": "en",
            "products": [cooler.pk],
        },
    )
    with scope(tenant=tenant_a):
        assert list(Article.objects.get(pk=published.pk).products.all()) == [cooler]
    page = admin_client_a.get(f"/products/{cooler.pk}/").content.decode()
    assert "E4 on the display" in page and "Unpublished notes" not in page
    assert "E4 on the display" not in admin_client_a.get(f"/products/{other.pk}/").content.decode()
