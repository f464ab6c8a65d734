from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import LoyaltyType
from loyalty.models import (
    CouponSeries,
    Program,
    RequestBaseType,
    RequestType,
    RequestTypeConfig,
    Tier,
    TransactionType,
)
from loyalty.models import Transaction as Bill
from tests.factories import customer_with

MAKE = [
    "make_goodwill_request",
    "make_retro_request",
    "make_identifier_change_request",
    "view_request",
]
CHECK = [
    "check_goodwill_request",
    "check_retro_request",
    "check_identifier_change_request",
]


@pytest.fixture
def program(db):
    program = Program.objects.create(
        id=1016,
        name="Default program",
        is_default=True,
        points_per_currency_unit=Decimal("1"),
        points_validity_days=365,
    )
    Tier.objects.create(program=program, serial_number=1, name="Silver")
    return program


@pytest.fixture
def make_customer(db):
    """A customer with an INSTORE profile and the given identifiers (normalised)."""

    def make(*, mobile=None, email=None, external_id=None, loyalty=True, registered_at=None):
        return customer_with(
            loyalty_type=LoyaltyType.LOYALTY if loyalty else LoyaltyType.NON_LOYALTY,
            registered_at=registered_at or timezone.now(),
            mobile=mobile,
            email=email,
            external_id=external_id,
        )

    return make


def staff(username: str, codenames: list[str], email: str = ""):
    user = get_user_model().objects.create_user(
        username=username, password="x", is_staff=True, email=email or f"{username}@test.local"
    )
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="loyalty", codename__in=codenames)
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def agent(db):
    return staff("agent", MAKE)


@pytest.fixture
def supervisor(db):
    return staff("supervisor", MAKE + CHECK)


@pytest.fixture
def one_step_user(db):
    return staff("senior", MAKE + CHECK + ["one_step_goodwill_request"])


@pytest.fixture
def agent_client(agent):
    return client_for(agent)


@pytest.fixture
def supervisor_client(supervisor):
    return client_for(supervisor)


@pytest.fixture
def goodwill_config(db):
    return RequestTypeConfig.objects.create(
        type=RequestType.GOODWILL,
        base_type=RequestBaseType.POINTS,
        goodwill_points_cap=Decimal("5000"),
        allowed_reasons=["POINTS_ISSUE", "BILL_ISSUE", "SERVICE_RECOVERY"],
        notification_emails="ops@test.local, lead@test.local",
    )


@pytest.fixture
def retro_config(db):
    return RequestTypeConfig.objects.create(
        type=RequestType.TRANSACTION_UPDATE,
        base_type=RequestBaseType.RETRO,
        retro_enabled=True,
        retro_max_bill_age_days=30,
        retro_hours_before_registration=48,
    )


@pytest.fixture
def not_interested_bill(store, till):
    def make(number="NI-1", days_ago=1, amount="250.00"):
        return Bill.objects.create(
            store=store,
            till=till,
            number=number,
            amount=Decimal(amount),
            type=TransactionType.NOT_INTERESTED,
            billed_at=timezone.now() - timedelta(days=days_ago),
            created_by_till=till,
        )

    return make


@pytest.fixture
def coupon_series(db):
    return CouponSeries.objects.create(name="Goodwill voucher", code_prefix="GW")


def errors_of(response) -> list[int]:
    return [item["code"] for item in response.json()["errors"]]
