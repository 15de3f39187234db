"""The portal web form suggests public articles while the subject is typed."""

from django_scopes import scope

from knowledge.models import Article
from tests.conftest import client_for
from tests.knowledge.helpers import article


def test_the_subject_field_asks_for_suggestions_and_has_a_place_for_them(tenant_a):
    page = client_for().get("/support/").content.decode()
    assert 'hx-get="/support/kb/suggest/"' in page and 'id="kb-suggestions"' in page


def test_typing_a_subject_suggests_a_matching_public_article(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        article(tenant=tenant_a, author=admin_a, title="Washing machine leaks water")
        assert Article.objects.count() == 1
    response = client_for().get("/support/kb/suggest/", {"subject": "machine leaks"})
    assert "Washing machine leaks water" in response.content.decode()
