"""Request routes under /v2/ (included from `loyalty.api_urls`)."""

from django.urls import path

from loyalty.workflow import api as request_api

urlpatterns = [
    path("requests", request_api.RequestsView.as_view(), name="requests"),
    path("requests/<str:request_id>", request_api.RequestDetailView.as_view(), name="request"),
    path(
        "customers/<str:customer_id>/goodwillRequest",
        request_api.CustomerGoodwillRequestsView.as_view(),
        name="customer-goodwill-requests",
    ),
    path(
        "customers/<str:customer_id>/retroRequest",
        request_api.CustomerChangeRequestsView.as_view(),
        name="customer-change-requests",
    ),
]
