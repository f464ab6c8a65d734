from django.urls import path

from subscriptions import api

urlpatterns = [
    path(
        "customers/<str:customer_id>/subscriptions",
        api.CustomerSubscriptionsView.as_view(),
        name="customer-subscriptions",
    ),
    path(
        "customers/<str:customer_id>/subscriptions/log",
        api.CustomerSubscriptionLogView.as_view(),
        name="customer-subscriptions-log",
    ),
]
