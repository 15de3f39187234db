"""Portal URLs of quotes, mounted at ``support/`` beside the portal: public by design, the
ticket's signed link is the key."""

from django.urls import path

from repairs import portal_quote_views as views

urlpatterns = [
    path("t/<str:token>/quote/<int:pk>/", views.portal_quote, name="portal_quote"),
    path(
        "t/<str:token>/quote/<int:pk>/approve/",
        views.portal_quote_approve,
        name="portal_quote_approve",
    ),
    path(
        "t/<str:token>/quote/<int:pk>/decline/",
        views.portal_quote_decline,
        name="portal_quote_decline",
    ),
]
