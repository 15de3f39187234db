"""URLs of the customer pages, mounted at ``customers/``. The profile page itself
(``customer_detail``) shows tickets too and is mounted by ``config.urls`` from ``tickets``."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_new, name="customer_new"),
    path("import/", views.customer_import, name="customer_import"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("portal-notices/", views.portal_notices, name="portal_notices"),
    path("portal-notices/<int:pk>/", views.portal_notice_edit, name="portal_notice_edit"),
    path("mailbox/", views.mailbox_settings, name="mailbox_settings"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/merge/", views.customer_merge, name="customer_merge"),
    path("<int:pk>/export/", views.customer_export, name="customer_export"),
    path("<int:pk>/anonymise/", views.customer_anonymise, name="customer_anonymise"),
]
