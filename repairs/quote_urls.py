"""Agent URLs of quotes and the repair rates, mounted at the root of the tenant host."""

from django.urls import path

from repairs import quote_views as views

urlpatterns = [
    path("tickets/<int:number>/quote/", views.quote_send, name="quote_send"),
    path("tickets/<int:number>/quote/withdraw/", views.quote_withdraw, name="quote_withdraw"),
    path("settings/repairs/", views.repair_settings, name="repair_settings"),
]
