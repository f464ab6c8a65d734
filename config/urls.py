from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import bench_floor, views

v2_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script, for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("customers.api_urls")),
    path("", include("loyalty.api_urls")),
    path("", include("subscriptions.api_urls")),
    *bench_floor.urlpatterns(),  # only with BENCH_FLOOR=1 (bench/run.py)
    re_path(r"^.*$", views.UnknownRouteView.as_view(), name="unknown-route"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("v2/", include(v2_patterns)),
]

handler403 = "config.admin.permission_denied"  # the console's 403 page; JSON under /v2/
handler404 = "config.views.json_not_found"
handler500 = "config.views.json_server_error"
