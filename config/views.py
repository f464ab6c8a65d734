"""Views that belong to no app: health check and the API's JSON 404/500 pages."""

from __future__ import annotations

import sys

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse, JsonResponse
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from config.codes import Code
from config.errors import status_item
from config.exceptions import error_body
from config.input_guard import RETRY_AFTER_SECONDS, database_unavailable, unavailable_response


def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers; no credentials)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


class UnknownRouteView(APIView):
    """Any path under /v2/ that no endpoint claims: 404 in the envelope."""

    authentication_classes: list = []  # config.access: PUBLIC
    schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound()


def json_not_found(request, exception=None):
    if request.path.startswith("/v2/"):
        return JsonResponse(error_body([status_item(Code.RESOURCE_NOT_FOUND)]), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_server_error(request):
    # Called while Django handles the uncaught exception: a database that did not answer
    # (unreachable, timed out) is a 503 to retry, not our fault.
    if database_unavailable(sys.exc_info()[1]):
        if request.path.startswith("/v2/"):
            return unavailable_response()
        return HttpResponse(
            "<h1>Service unavailable</h1><p>The database did not answer in time. "
            "Try again in a few seconds.</p>",
            status=503,
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    if request.path.startswith("/v2/"):
        return JsonResponse(error_body([status_item(Code.INTERNAL_ERROR)]), status=500)
    from django.views.defaults import server_error

    return server_error(request)
