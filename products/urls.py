"""URLs of the catalogue and installed-base pages, mounted at the root by ``config.urls``. The
unit page (``unit_detail``) is mounted from ``repairs.unit_urls``."""

from django.urls import path

from products import views

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/warranty/", views.unit_warranty, name="unit_warranty"),
]
