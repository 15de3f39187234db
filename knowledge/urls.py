"""URLs of the knowledge app: agent pages under ``knowledge/``, the customer portal's public
knowledge base under ``support/kb/``. Included once from ``config.urls``."""

from django.urls import include, path

from . import views, views_public

app_name = "knowledge"

agent_patterns = [
    path("", views.article_list, name="article_list"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/status/", views.article_status, name="article_status"),
    path("preview/", views.preview, name="preview"),
    path("categories/", views.categories, name="categories"),
    path("authors/", views.authors, name="authors"),
    path("tickets/<int:number>/panel/", views.ticket_panel, name="ticket_panel"),
    path("tickets/<int:number>/link/", views.ticket_link, name="ticket_link"),
    path(
        "tickets/<int:number>/templates/",
        views.composer_templates,
        name="composer_templates",
    ),
    path(
        "tickets/<int:number>/templates/<int:pk>/apply/",
        views.template_apply,
        name="template_apply",
    ),
    path("bulk-apply/", views.template_bulk_apply, name="template_bulk_apply"),
    path("phrase-check/", views.phrase_check, name="phrase_check"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/review/", views.template_review, name="template_review"),
    path("banned-phrases/", views.banned_phrases, name="banned_phrases"),
    path(
        "banned-phrases/<int:pk>/delete/",
        views.banned_phrase_delete,
        name="banned_phrase_delete",
    ),
]

public_patterns = [
    path("", views_public.home, name="public_home"),
    path("search/", views_public.search_page, name="public_search"),
    path("suggest/", views_public.suggest, name="public_suggest"),
    path("category/<int:pk>/", views_public.category, name="public_category"),
    path("<int:pk>/", views_public.article, name="public_article"),
    path("<int:pk>/viewed/", views_public.viewed, name="public_viewed"),
    path("<int:pk>/vote/", views_public.vote, name="public_vote"),
    path("<int:pk>/solved/", views_public.solved, name="public_solved"),
]

urlpatterns = [
    path("knowledge/", include(agent_patterns)),
    path("support/kb/", include(public_patterns)),
]
