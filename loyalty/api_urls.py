"""Loyalty routes under /v2/. Only `customers/<id>/<sub-resource>` paths: the customers
app owns `customers/<id>` itself and its own sub-resources (changeIdentifier, status, …)."""

from django.urls import include, path

from loyalty import api

urlpatterns = [
    path(
        "customers/<str:customer_id>/loyaltyDetails",
        api.LoyaltyDetailsView.as_view(),
        name="loyalty-details",
    ),
    path(
        "customers/<str:customer_id>/pointsTransfers",
        api.PointsTransfersView.as_view(),
        name="points-transfers",
    ),
    path("points/transfer", api.PointsTransferView.as_view(), name="points-transfer"),
    path(
        "customers/<str:customer_id>/coupons",
        api.CustomerCouponsView.as_view(),
        name="customer-coupons",
    ),
    path("transactions", api.TransactionsView.as_view(), name="transactions"),
    path(
        "customers/<str:customer_id>/transactions",
        api.CustomerTransactionsView.as_view(),
        name="customer-transactions",
    ),
    path(
        "customers/<str:customer_id>/ledger",
        api.CustomerLedgerView.as_view(),
        name="customer-ledger",
    ),
    path("", include("loyalty.workflow.api_urls")),
]
