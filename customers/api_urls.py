from django.urls import path

from customers import api

urlpatterns = [
    path("customers", api.CustomersView.as_view(), name="customers"),
    path("customers/search", api.CustomerSearchView.as_view(), name="customer-search"),
    path("customers/lookup", api.CustomerLookupView.as_view(), name="customer-lookup"),
    path(
        "customers/lookup/customerDetails",
        api.CustomerLookupDetailsView.as_view(),
        name="customer-lookup-details",
    ),
    path(
        "customers/lookup/status",
        api.CustomerLookupStatusView.as_view(),
        name="customer-lookup-status",
    ),
    path("customers/<str:customer_id>", api.CustomerDetailView.as_view(), name="customer-detail"),
    path(
        "customers/<str:customer_id>/changeIdentifier",
        api.CustomerChangeIdentifierView.as_view(),
        name="customer-change-identifier",
    ),
    path(
        "customers/<str:customer_id>/status",
        api.CustomerStatusView.as_view(),
        name="customer-status",
    ),
]
