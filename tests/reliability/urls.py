"""Test-only endpoints mounted in front of the real URLconf (`@pytest.mark.urls`)."""

from __future__ import annotations

import logging
import time
import uuid

from django.db import connection, connections
from django.http import JsonResponse
from django.urls import path
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config import urls as project_urls
from config.errors import DomainError

logger = logging.getLogger("tests.reliability")


def lose_database_session() -> None:
    """What a database restart does to this request: its server session is terminated."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()


class TestApiView(APIView):
    """Test views have no entry in the access matrix (config.access): any caller with
    credentials may call them."""

    permission_classes = [permissions.IsAuthenticated]


class StoreCreateView(TestApiView):
    """A real write: creates a Store whose code is unique per call, so replays are visible.

    Body: {"code": "...", "delay": seconds, "refuse": bool, "crash": bool, "drop": bool,
    "pg_sleep": seconds (a statement that long after the write)}.
    """

    def post(self, request):
        from customers.models import Store

        code = str(request.data.get("code", "s"))
        if request.data.get("refuse"):
            raise DomainError(400, "Refused on purpose.")
        store = Store.objects.create(
            code=f"{code}.{request.user.code}.{uuid.uuid4().hex[:8]}", name=code
        )
        time.sleep(float(request.data.get("delay", 0)))
        if request.data.get("pg_sleep"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(%s)", [float(request.data["pg_sleep"])])
        if request.data.get("drop"):
            lose_database_session()
            Store.objects.count()
        if request.data.get("crash"):
            raise RuntimeError("crash after the write")
        return Response({"createdId": store.pk, "code": store.code}, status=status.HTTP_201_CREATED)

    def patch(self, request):
        return self.post(request)


class PingView(TestApiView):
    def get(self, request):
        logger.info("ping from %s", request.query_params.get("who", "-"))
        return Response({"ok": True})


class DatabaseDropView(TestApiView):
    """Reads, loses its database session (terminated from a second connection), reads again."""

    permission_classes = [permissions.AllowAny]

    def get(self, request):
        lose_database_session()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"survived": True})


class DatabaseCountView(TestApiView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        from customers.models import Store

        return Response({"stores": Store.objects.count()})


class DatabaseTimeoutsView(TestApiView):
    """The session's timeouts as the request's kind of work set them (an API view, so the
    access matrix leaves it to its own permission: the console's middleware refuses a
    plain view it has no entry for)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
            )
            statement, lock = cursor.fetchone()
        return JsonResponse({"statement_timeout": statement, "lock_timeout": lock})


database_timeouts = DatabaseTimeoutsView.as_view()


urlpatterns = [
    path("v2/reliability/timeouts", database_timeouts),
    path("admin/reliability/timeouts", database_timeouts),
    path("v2/reliability/stores", StoreCreateView.as_view()),
    path("v2/reliability/ping", PingView.as_view()),
    path("v2/reliability/db-drop", DatabaseDropView.as_view()),
    path("v2/reliability/db-count", DatabaseCountView.as_view()),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500
