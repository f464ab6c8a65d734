from decimal import Decimal

import pytest

from customers.models import LoyaltyType
from loyalty.models import CouponSeries, Program, Tier
from tests.factories import customer_with


@pytest.fixture(autouse=True)
def ledger_agrees_after_each_test(request):
    """After every database test of the app, the enrollment figures equal the ledger sums."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db:
        yield
        return
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    from loyalty.selectors import ledger_differences

    assert ledger_differences() == []


@pytest.fixture
def welcome_series(db):
    return CouponSeries.objects.create(
        name="Welcome", description="Test Offer 20", code_prefix="HL", validity_days=30
    )


@pytest.fixture
def program(welcome_series):
    """The default program 1016: 1 point per currency unit, bonus 100, welcome coupon."""
    program = Program.objects.create(
        id=1016,
        name="Default program",
        is_default=True,
        points_per_currency_unit=Decimal("1"),
        registration_bonus_points=Decimal("100"),
        welcome_coupon_series=welcome_series,
        points_validity_days=365,
    )
    Tier.objects.create(program=program, serial_number=1, name="Silver", validity_days=365)
    Tier.objects.create(
        program=program,
        serial_number=2,
        name="Gold",
        description="Gold tier",
        upgrade_lifetime_points=Decimal("1000"),
        validity_days=365,
    )
    Tier.objects.create(
        program=program,
        serial_number=3,
        name="Platinum",
        description="Platinum tier",
        upgrade_lifetime_points=Decimal("5000"),
        validity_days=365,
    )
    return program


@pytest.fixture
def make_customer(db):
    def make(first_name="Tom", last_name="Sawyer", loyalty_type=LoyaltyType.LOYALTY, **kwargs):
        return customer_with(
            first_name=first_name, last_name=last_name, loyalty_type=loyalty_type, **kwargs
        )

    return make


@pytest.fixture
def enrolled(program, make_customer, till):
    """A function enrolling a new customer in the default program with a balance."""
    from loyalty import services
    from loyalty.models import LedgerKind

    def make(points=0, **kwargs):
        customer = make_customer(**kwargs)
        enrollment, _ = services.enrollment_enroll(customer=customer, program=program, actor=till)
        enrollment.program = program
        if points:
            services.points_credit(
                enrollment=enrollment, kind=LedgerKind.GOODWILL, points=points, actor=till
            )
        return enrollment

    return make
