"""Test-only URLconf: the real `config.urls` plus views that raise each kind of error.

Used with `@pytest.mark.urls("tests.config.urls")`. The test views sit under `/v2/_test/`
and come before `config.urls`, whose `/v2/` catch-all would otherwise claim them.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, OperationalError
from django.urls import include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError, Warnings
from config.pagination import page_from_params, paginated_response
from customers.selectors import customer_get


class TestApiView(APIView):
    """Test views have no entry in the access matrix (config.access): any caller with
    credentials may call them."""

    permission_classes = [permissions.IsAuthenticated]


class WhoAmIView(TestApiView):
    """The principal's till code or username (IsAuthenticated, the project default)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        principal = request.user
        return Response(
            {
                "kind": type(principal).__name__,
                "code": getattr(principal, "code", None),
                "username": getattr(principal, "username", None),
                "auth": type(request.auth).__name__ if request.auth is not None else None,
            }
        )


class DomainErrorView(TestApiView):
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if k != "code"}
        raise DomainError(int(request.query_params.get("code", "618")), **params)


class CustomerView(TestApiView):
    def get(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        return Response({"id": customer.pk})


class EchoInput(serializers.Serializer):
    name = serializers.CharField(max_length=10)
    mobile = serializers.CharField()

    def validate_mobile(self, value):
        if not value.isdigit():
            raise serializers.ValidationError("Invalid mobile number", code="1001")
        return value


class LineInput(serializers.Serializer):
    sku = serializers.CharField()
    qty = serializers.IntegerField(min_value=1)


class BasketInput(serializers.Serializer):
    lines = LineInput(many=True)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate(self, attrs):
        if len(attrs["lines"]) > 2:
            raise serializers.ValidationError("Too many lines")
        return attrs


class BasketView(TestApiView):
    def post(self, request):
        BasketInput(data=request.data).is_valid(raise_exception=True)
        return Response({})


class EchoView(TestApiView):
    def post(self, request):
        serializer = EchoInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"data": serializer.validated_data, "warnings": []})


class DenyAll(permissions.BasePermission):
    def has_permission(self, request, view):
        return False


class ForbiddenView(TestApiView):
    permission_classes = [permissions.IsAuthenticated, DenyAll]

    def get(self, request):
        return Response({})


class DjangoForbiddenView(TestApiView):
    def get(self, request):
        raise DjangoPermissionDenied


class CrashView(TestApiView):
    def get(self, request):
        raise RuntimeError("boom: secret internals")


class DatabaseDownView(TestApiView):
    def get(self, request):
        raise OperationalError("connection refused")


class DatabaseErrorView(TestApiView):
    def get(self, request):
        raise DatabaseError("some database fault")


class WarningsView(TestApiView):
    def get(self, request):
        warnings = Warnings()
        warnings.add(8050)
        warnings.add(8050)  # collected once
        warnings.add(8069, "a warning of our own wording")
        return Response({"data": [], "warnings": warnings, "errors": []})


class PageView(TestApiView):
    """47 numbered items paginated by limit/offset."""

    def get(self, request):
        page = page_from_params(request.query_params)
        items = list(range(1, 48))
        return paginated_response(
            [{"n": n} for n in items[page.offset : page.stop]], page=page, total=len(items)
        )


class StorePageView(TestApiView):
    """Stores paginated straight from the database (the offset reaches PostgreSQL)."""

    def get(self, request):
        from customers.models import Store

        page = page_from_params(request.query_params)
        stores = Store.objects.order_by("pk")
        data = [{"code": s.code} for s in stores[page.offset : page.stop]]
        return paginated_response(data, page=page, total=stores.count())


test_patterns = [
    path("stores", StorePageView.as_view()),
    path("whoami", WhoAmIView.as_view()),
    path("domain-error", DomainErrorView.as_view()),
    path("customers/<str:customer_id>", CustomerView.as_view()),
    path("echo", EchoView.as_view()),
    path("basket", BasketView.as_view()),
    path("forbidden", ForbiddenView.as_view()),
    path("django-forbidden", DjangoForbiddenView.as_view()),
    path("crash", CrashView.as_view()),
    path("db-down", DatabaseDownView.as_view()),
    path("db-error", DatabaseErrorView.as_view()),
    path("warnings", WarningsView.as_view()),
    path("page", PageView.as_view()),
]

urlpatterns = [
    path("v2/_test/", include(test_patterns)),
    path("", include("config.urls")),
]

handler404 = "config.views.json_not_found"
handler500 = "config.views.json_server_error"
