"""Dispatch: the board, proposals and technicians' calendar feeds (mounted at ``dispatch/``)."""

from django.urls import path

from fieldservice import dispatch_views

urlpatterns = [
    path("", dispatch_views.board, name="fieldservice_dispatch"),
    path(
        "visits/<int:pk>/proposals/",
        dispatch_views.proposals,
        name="fieldservice_dispatch_proposals",
    ),
    path("visits/<int:pk>/assign/", dispatch_views.assign, name="fieldservice_dispatch_assign"),
    path("my-calendar/", dispatch_views.my_calendar, name="fieldservice_my_calendar"),
    path(
        "technicians/<int:membership_id>/calendar.ics",
        dispatch_views.calendar_feed,
        name="fieldservice_calendar_feed",
    ),
]
