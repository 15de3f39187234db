"""Work orders on the agent side: list, detail, creation from a ticket (at ``work-orders/``)."""

from django.urls import path

from fieldservice import work_order_views as views

urlpatterns = [
    path("", views.work_order_list, name="fieldservice_work_orders"),
    path("new/", views.work_order_new, name="fieldservice_work_order_new"),
    path("<int:pk>/", views.work_order_detail, name="fieldservice_work_order"),
    path("<int:pk>/move/", views.work_order_move, name="fieldservice_work_order_move"),
    path("<int:pk>/schedule/", views.work_order_schedule, name="fieldservice_work_order_schedule"),
    path("<int:pk>/edit/", views.work_order_edit, name="fieldservice_work_order_edit"),
]
