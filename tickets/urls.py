"""URLs of the agent workspace, mounted at ``tickets/`` (and ``notifications/``)."""

from django.urls import path

from tickets import queue_views, search_views, views

urlpatterns = [
    path("", views.queue, name="ticket_queue"),
    path("bulk/", views.bulk, name="ticket_bulk"),
    path("views/new/", queue_views.saved_view_new, name="saved_view_new"),
    path("views/<int:pk>/", queue_views.saved_view_edit, name="saved_view_edit"),
    path("views/<int:pk>/delete/", queue_views.saved_view_remove, name="saved_view_delete"),
    path("views/<int:pk>/move/", queue_views.saved_view_reorder, name="saved_view_move"),
    path("new/", views.new, name="ticket_new"),
    path("new/units/", views.unit_lookup, name="ticket_unit_lookup"),
    path("new/callers/", search_views.caller_lookup, name="ticket_caller_lookup"),
    path("<int:number>/", views.detail, name="ticket_detail"),
    path("<int:number>/reply/", views.reply, name="ticket_reply"),
    path("<int:number>/properties/", views.properties, name="ticket_properties"),
    path("<int:number>/next/", views.step, {"later": True}, name="ticket_next"),
    path("<int:number>/previous/", views.step, {"later": False}, name="ticket_previous"),
    path("<int:number>/take/", views.take, name="ticket_take"),
    path("<int:number>/transfer/", views.transfer, name="ticket_transfer"),
    path("<int:number>/merge/", views.merge, name="ticket_merge"),
    path(
        "<int:number>/attachments/<int:pk>/",
        views.attachment_download,
        name="ticket_attachment",
    ),
]

notification_patterns = [
    path("", views.notification_list, name="notification_list"),
    path("read/", views.notification_read, name="notification_read"),
]
