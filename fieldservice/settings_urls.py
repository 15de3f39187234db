"""Field-service settings and technicians (mounted at ``settings/field-service/``)."""

from django.urls import path

from fieldservice import settings_views

urlpatterns = [
    path("", settings_views.field_settings, name="fieldservice_settings"),
    path("technicians/", settings_views.technician_list, name="fieldservice_technicians"),
    path("technicians/new/", settings_views.technician_add, name="fieldservice_technician_add"),
    path(
        "technicians/<int:pk>/",
        settings_views.technician_edit,
        name="fieldservice_technician_edit",
    ),
]
