"""URLs of incidents, playbooks, surge alerts and the backlog import, mounted at ``incidents/``."""

from django.urls import path

from tickets.incidents import views

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_create, name="incident_create"),
    path("link-selected/", views.incident_link_selected, name="incident_link_selected"),
    path("<int:pk>/", views.incident_detail, name="incident_detail"),
    path("<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("<int:pk>/link/", views.incident_link, name="incident_link"),
    path("<int:pk>/unlink/", views.incident_unlink, name="incident_unlink"),
    path("<int:pk>/tickets/new/", views.incident_ticket_new, name="incident_ticket_new"),
    path("<int:pk>/updates/", views.incident_update_post, name="incident_update_post"),
    path(
        "<int:pk>/updates/<int:update_pk>/progress/",
        views.incident_update_progress,
        name="incident_update_progress",
    ),
    path("<int:pk>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("<int:pk>/playbook/", views.incident_playbook_attach, name="incident_playbook_attach"),
    path("<int:pk>/steps/<int:step_pk>/done/", views.incident_step_done, name="incident_step_done"),
    path("playbooks/", views.playbook_list, name="playbook_list"),
    path("playbooks/new/", views.playbook_new, name="playbook_new"),
    path("playbooks/<int:pk>/", views.playbook_edit, name="playbook_edit"),
    path("surges/", views.surge_alerts, name="surge_alerts"),
    path("backlog/", views.backlog_upload, name="backlog_import"),
]
