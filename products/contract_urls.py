from django.urls import path

from products import contract_views as views

plan_patterns = [
    path("", views.plan_list, name="service_plans"),
    path("new/", views.plan_edit, name="service_plan_new"),
    path("<int:pk>/", views.plan_edit, name="service_plan"),
]

contract_patterns = [
    path("", views.contract_list, name="service_contracts"),
    path("new/", views.contract_edit, name="service_contract_new"),
    path("<int:pk>/", views.contract_edit, name="service_contract"),
]
