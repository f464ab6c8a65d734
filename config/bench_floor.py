"""The benchmark's floor: the cheapest authenticated API call the stack can answer.

`GET /v2/_floor/<id>` authenticates and throttles like every other endpoint (the project's
DRF defaults), then makes one primary-key query and answers the customer's id and loyalty
type. `bench/run.py` measures every scenario against it in the same run. Mounted only when
`settings.BENCH_FLOOR_ENDPOINT` is on (env `BENCH_FLOOR=1`), so production's URLs and schema
never show it. `config` imports no app: the model comes from the app registry.
"""

from __future__ import annotations

import os

from django.apps import apps
from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView


def enabled() -> bool:
    default = os.environ.get("BENCH_FLOOR", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(getattr(settings, "BENCH_FLOOR_ENDPOINT", default))


class FloorView(APIView):
    @extend_schema(exclude=True)
    def get(self, request, customer_id: int):
        Customer = apps.get_model("customers", "Customer")
        row = Customer.objects.filter(pk=customer_id).values("id", "loyalty_type").first()
        if row is None:
            raise NotFound()
        return Response({"id": row["id"], "loyaltyType": row["loyalty_type"]})


def urlpatterns() -> list:
    if not enabled():
        return []
    return [path("_floor/<int:customer_id>", FloorView.as_view(), name="bench-floor")]
