"""URLs of the unit page and its invoice, mounted at the root by ``config.urls``."""

from django.urls import path

from repairs import unit_views

urlpatterns = [
    path("units/<int:pk>/", unit_views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/invoice/", unit_views.unit_invoice, name="unit_invoice"),
]
