"""The project's URLs as `bench/run.py` serves them (BENCH_FLOOR=1): with the floor."""

from django.urls import path

from config.bench_floor import FloorView
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("v2/_floor/<int:customer_id>", FloorView.as_view(), name="bench-floor"),
    *project_urlpatterns,
]
