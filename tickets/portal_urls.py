"""URLs of the customer portal, mounted at ``support/``: public by design (no agent login);
every ticket page is reached only through a signed link."""

from django.urls import path

from tickets import portal_unit_views
from tickets import portal_views as views

urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("received/<str:token>/", views.portal_received, name="portal_received"),
    path("t/<str:token>/", views.portal_ticket, name="portal_ticket"),
    path("t/<str:token>/reply/", views.portal_reply, name="portal_reply"),
    path("t/<str:token>/files/<int:pk>/", views.portal_attachment, name="portal_attachment"),
    path("sign-in/", views.portal_sign_in, name="portal_sign_in"),
    path("sign-in/<str:token>/", views.portal_sign_in_accept, name="portal_sign_in_accept"),
    path("mine/", views.portal_my_tickets, name="portal_my_tickets"),
    path("sign-out/", views.portal_sign_out, name="portal_sign_out"),
    path("products/", portal_unit_views.portal_products, name="portal_products"),
    path("products/<int:pk>/", portal_unit_views.portal_product, name="portal_product"),
    path(
        "products/<int:pk>/invoice/",
        portal_unit_views.portal_product_invoice,
        name="portal_product_invoice",
    ),
    path(
        "products/register/",
        portal_unit_views.portal_product_register,
        name="portal_product_register",
    ),
]
