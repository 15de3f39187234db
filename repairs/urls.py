"""URLs of spare parts and stock, mounted at the root of the tenant host."""

from django.urls import path

from . import views

app_name = "repairs"

urlpatterns = [
    path("parts/", views.part_list, name="part_list"),
    path("parts/new/", views.part_new, name="part_new"),
    path("parts/<int:pk>/", views.part_detail, name="part_detail"),
    path("parts/<int:pk>/edit/", views.part_edit, name="part_edit"),
    path("parts/<int:pk>/receive/", views.part_receive, name="part_receive"),
    path("parts/<int:pk>/transfer/", views.part_transfer, name="part_transfer"),
    path("parts/<int:pk>/count/", views.part_count, name="part_count"),
    path("parts/locations/", views.location_list, name="location_list"),
    path("parts/locations/new/", views.location_new, name="location_new"),
    path("parts/locations/<int:pk>/edit/", views.location_edit, name="location_edit"),
    path("tickets/<int:number>/parts/", views.ticket_parts, name="ticket_parts"),
]
