"""Erasure of a customer's personal data under four eyes (customers.erasure + ERASURE requests)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from config.errors import DomainError
from customers.erasure import customer_erase
from customers.models import (
    CommChannel,
    Customer,
    CustomerStatus,
    CustomerStatusChange,
    Identifier,
    SourceProfile,
)
from loyalty.models import LedgerEntry, Program, Request, RequestStatus, Tier
from loyalty.models import Transaction as Bill
from tests.requests.workflow import approve, raise_request

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MOBILE = "91901000001"
EMAIL = "tom.sawyer@example.com"


def staff(username: str, *codenames: str, superuser: bool = False):
    model = get_user_model()
    if superuser:
        return model.objects.create_superuser(username=username, password="x")
    user = model.objects.create_user(username=username, password="x", is_staff=True)
    for perm in codenames:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return model.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def maker(db):
    return staff(
        "maker", "loyalty.make_erasure_request", "customers.view_customer", "customers.view_pii"
    )


@pytest.fixture
def checker(db):
    return staff("checker", "loyalty.check_erasure_request", "loyalty.view_request")


@pytest.fixture
def org(db):
    from customers.demo import DEMO_ACCOUNTS, DEMO_CUSTOM_FIELDS, DEMO_EXTENDED_FIELDS
    from customers.models import CustomFieldDefinition, ExtendedFieldDefinition, SourceAccount

    for source, account_id, name in DEMO_ACCOUNTS:
        SourceAccount.objects.get_or_create(source=source, account_id=account_id, name=name)
    for name, data_type in DEMO_CUSTOM_FIELDS:
        CustomFieldDefinition.objects.get_or_create(name=name, data_type=data_type)
    for name, data_type, allowed in DEMO_EXTENDED_FIELDS:
        ExtendedFieldDefinition.objects.get_or_create(
            name=name, data_type=data_type, allowed_values=allowed
        )
    program = Program.objects.create(
        id=1016,
        name="Default program",
        is_default=True,
        points_per_currency_unit=Decimal("1"),
        registration_bonus_points=Decimal("100"),
        points_validity_days=365,
    )
    Tier.objects.create(program=program, serial_number=1, name="Silver", validity_days=365)
    return program


def register(till_client, till) -> dict:
    body = json.loads((SAMPLES / "register.request.json").read_text())
    body["associatedWith"] = till.code
    response = till_client.post(
        "/v2/customers?source=MOBILE_APP&accountId=400", body, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def person(org, till, till_client) -> Customer:
    """Tom Sawyer registered from the seed sample (mobile, e-mail, channels, fields), with
    a bill and an updated name, so his history holds several copies of his data."""
    customer_id = register(till_client, till)["createdId"]
    response = till_client.post(
        "/v2/transactions",
        {"type": "REGULAR", "billNumber": "E-1", "billAmount": 50, "userId": customer_id},
        format="json",
    )
    assert response.status_code == 200, response.json()
    profile = SourceProfile.objects.get(customer_id=customer_id)
    profile.first_name = "Thomas"
    profile.save()
    return Customer.objects.get(pk=customer_id)


def personal_values_in_history(customer_id: int) -> list[str]:
    """Rows of the four event tables still carrying any of Tom's personal values."""
    needles = (
        MOBILE,
        EMAIL,
        "Tom",
        "Thomas",
        "Sawyer",
        "Bangalore",
        "abc123456",
        "22-10-2000",
        "2000-10-22",
    )
    found = []
    for name in ("CustomerEvent", "SourceProfileEvent", "IdentifierEvent", "CommChannelEvent"):
        model = apps.get_model("customers", name)
        for row in model.objects.all().values():
            text = json.dumps(row, default=str)
            found += [f"{name}: {needle}" for needle in needles if needle in text]
    return found


def erase_with_four_eyes(customer: Customer, maker, checker, reason: str = "GDPR ticket 42"):
    made = raise_request(
        request_type="ERASURE",
        base_type="ERASE",
        customer=customer,
        payload={},
        actor=maker,
        reason=reason,
    ).request
    assert made.status == RequestStatus.PENDING
    decided = approve(request_id=made.pk, actor=checker).request
    return decided


def test_erasure_removes_personal_data_and_keeps_the_ledger(person, maker, checker):
    # given
    assert personal_values_in_history(person.pk)  # the history holds Tom's data
    entries = LedgerEntry.objects.filter(enrollment__customer=person).count()
    bills = Bill.objects.filter(customer=person).count()
    assert entries and bills
    # when
    decided = erase_with_four_eyes(person, maker, checker)
    # then
    assert decided.status == RequestStatus.APPROVED
    assert decided.decided_by_user == checker
    person.refresh_from_db()
    assert person.status == CustomerStatus.DELETED
    assert person.extended_fields == {}
    assert not Identifier.objects.filter(customer=person).exists()
    assert not CommChannel.objects.filter(customer=person).exists()
    profile = SourceProfile.objects.get(customer=person)
    assert (profile.first_name, profile.last_name, profile.custom_fields) == ("", "", {})
    change = CustomerStatusChange.objects.get(customer=person, label="ERASED")
    assert change.changed_by_user == checker
    assert f"Erasure request {decided.pk}: GDPR ticket 42" == change.reason
    # the money stays, no longer linked to a person
    assert LedgerEntry.objects.filter(enrollment__customer=person).count() == entries
    assert Bill.objects.filter(customer=person).count() == bills
    # the audit history keeps its events, without the personal values
    assert personal_values_in_history(person.pk) == []
    assert (
        apps.get_model("customers", "IdentifierEvent")
        .objects.filter(customer_id=person.pk, pgh_label="delete")
        .count()
        == 2
    )


def test_details_of_an_erased_customer_show_nothing_personal(person, maker, checker, till_client):
    erase_with_four_eyes(person, maker, checker)
    response = till_client.get(f"/v2/customers/{person.pk}")
    assert response.status_code in (200, 404)
    text = response.content.decode()
    for needle in (MOBILE, EMAIL, "Tom", "Thomas", "Sawyer", "Bangalore"):
        assert needle not in text


def test_registration_with_the_same_identifiers_creates_a_new_customer(
    person, maker, checker, till, till_client
):
    erase_with_four_eyes(person, maker, checker)
    body = register(till_client, till)
    assert body["createdId"] != person.pk
    new = Customer.objects.get(pk=body["createdId"])
    assert new.status == CustomerStatus.ACTIVE
    assert set(Identifier.objects.filter(customer=new).values_list("value", flat=True)) == {
        MOBILE,
        EMAIL,
    }
    assert not Identifier.objects.filter(customer=person).exists()


def test_the_maker_cannot_approve_and_nobody_erases_in_one_step(person, maker, db):
    # given: a maker who also holds the check permission, and a superuser
    both = staff("both", "loyalty.make_erasure_request", "loyalty.check_erasure_request")
    root = staff("root", superuser=True)
    made = raise_request(
        request_type="ERASURE",
        base_type="ERASE",
        customer=person,
        payload={},
        actor=both,
        reason="asked",
    ).request
    # when / then: four eyes
    with pytest.raises(DomainError) as own:
        approve(request_id=made.pk, actor=both)
    assert own.value.code == 9019
    for actor in (both, root):
        with pytest.raises(DomainError) as one_step:
            raise_request(
                request_type="ERASURE",
                base_type="ERASE",
                customer=person,
                payload={},
                actor=actor,
                reason="asked",
                one_step=True,
            )
        assert one_step.value.code == 9021
    # an auto-approving configuration does not apply to erasures
    from loyalty.models import RequestTypeConfig

    Request.objects.filter(pk=made.pk).update(
        status=RequestStatus.REJECTED, decided_at=made.requested_at
    )
    RequestTypeConfig.objects.create(type="ERASURE", base_type="ERASE", auto_approve=True)
    again = raise_request(
        request_type="ERASURE",
        base_type="ERASE",
        customer=person,
        payload={},
        actor=root,
        reason="asked",
    ).request
    assert again.status == RequestStatus.PENDING
    person.refresh_from_db()
    assert person.status == CustomerStatus.ACTIVE
    assert Identifier.objects.filter(customer=person).count() == 2


def test_refusals_write_nothing(person, maker, checker, till_client):
    counts = lambda: (Request.objects.count(), Identifier.objects.count())  # noqa: E731
    before = counts()
    # a till may not ask for an erasure (API), a reason is required
    response = till_client.post(
        "/v2/requests",
        {"type": "ERASURE", "baseType": "ERASE", "customerId": person.pk, "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 9021
    with pytest.raises(DomainError) as no_reason:
        raise_request(
            request_type="ERASURE",
            base_type="ERASE",
            customer=person,
            payload={},
            actor=maker,
            reason=" ",
        )
    assert no_reason.value.code == 9030
    with pytest.raises(DomainError) as service_no_reason:
        customer_erase(customer_id=person.pk, actor=checker, reason="")
    assert service_no_reason.value.code == 9030
    assert counts() == before
    # one pending erasure at a time
    erase = {"request_type": "ERASURE", "base_type": "ERASE", "customer": person, "payload": {}}
    raise_request(**erase, actor=maker, reason="first")
    with pytest.raises(DomainError) as pending:
        raise_request(**erase, actor=maker, reason="second")
    assert pending.value.code == 9034
    # erased once only
    made = Request.objects.get(status=RequestStatus.PENDING, base_type="ERASE")
    approve(request_id=made.pk, actor=checker)
    with pytest.raises(DomainError) as erased:
        raise_request(**erase, actor=maker, reason="third")
    assert erased.value.code == 9035
    with pytest.raises(DomainError) as service_erased:
        customer_erase(customer_id=person.pk, actor=checker, reason="again")
    assert service_erased.value.code == 9035
    with pytest.raises(DomainError) as unknown:
        customer_erase(customer_id=987654321, actor=checker, reason="who")
    assert unknown.value.code == 816


def test_identifier_values_in_request_payloads_are_erased(person, maker, checker, db):
    # given: an identifier change request that copied the mobile into its payload
    changer = staff("changer", "loyalty.make_identifier_change_request")
    change = raise_request(
        request_type="CHANGE_IDENTIFIER",
        base_type="MOBILE",
        customer=person,
        payload={
            "source": "MOBILE_APP",
            "accountId": "400",
            "oldValue": MOBILE,
            "newValue": "919010000099",
        },
        actor=changer,
    ).request
    assert change.payload["oldValue"] == MOBILE
    # when
    erase_with_four_eyes(person, maker, checker)
    # then
    change.refresh_from_db()
    assert change.payload["oldValue"] == change.payload["newValue"] == ""
    assert change.payload["identifierType"] == "mobile"


def test_console_request_erasure_then_supervisor_approves(person, maker, checker, client):
    # given: the maker sees the button on the single view
    client.force_login(maker)
    single_view = reverse("admin:customers_customer_single_view", args=[person.pk])
    raise_url = reverse("admin:loyalty_request_raise", args=[person.pk, "erasure"])
    page = client.get(single_view)
    assert page.status_code == 200
    assert raise_url in page.content.decode()
    # a missing confirmation or reason raises nothing
    refused = client.post(raise_url, {"reason": "", "understood": ""})
    assert refused.status_code == 200
    assert not Request.objects.exists()
    # when
    made = client.post(raise_url, {"reason": "Customer e-mail 2026-11-20", "understood": "on"})
    # then
    assert made.status_code == 302
    request = Request.objects.get()
    assert (request.type, request.base_type, request.status) == ("ERASURE", "ERASE", "PENDING")
    assert Identifier.objects.filter(customer=person).count() == 2
    # the maker's own approval is refused (four eyes); the supervisor approves in the queue
    decide = f"/admin/loyalty/request/{request.pk}/decide/"
    client.post(decide, {"approve": "1", "comments": "mine"})
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    client.force_login(checker)
    response = client.post(decide, {"approve": "1", "comments": "Identity checked"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by_user) == (RequestStatus.APPROVED, checker)
    assert not Identifier.objects.filter(customer=person).exists()
    # the single view of the erased customer still opens, with nothing personal on it
    client.force_login(maker)
    page = client.get(single_view)
    assert page.status_code == 200
    assert MOBILE not in page.content.decode() and EMAIL not in page.content.decode()


def test_staff_without_view_pii_see_masked_identifiers(person, client):
    agent = staff("agent", "customers.view_customer")
    senior = staff("senior", "customers.view_customer", "customers.view_pii")
    single_view = reverse("admin:customers_customer_single_view", args=[person.pk])
    client.force_login(agent)
    masked = client.get(single_view).content.decode()
    assert MOBILE not in masked and EMAIL not in masked
    assert MOBILE[-4:] in masked
    client.force_login(senior)
    full = client.get(single_view).content.decode()
    assert MOBILE in full and EMAIL in full


def test_a_merge_victims_history_is_erased_with_its_survivor(person, maker, checker, org, till):
    # given: a duplicate with its own history, merged into Tom
    from customers.models import Source
    from customers.services import customer_merge

    duplicate = Customer.objects.create()
    profile = SourceProfile.objects.create(
        customer=duplicate, source=Source.INSTORE, first_name="Tom", last_name="Sawyer"
    )
    Identifier.objects.create(
        profile=profile,
        customer=duplicate,
        source=Source.INSTORE,
        type="externalId",
        value="TOM-EXT-1",
    )
    customer_merge(victim_id=duplicate.pk, survivor_id=person.pk, actor=checker, reason="dup")
    # when
    erase_with_four_eyes(person, maker, checker)
    # then
    assert personal_values_in_history(person.pk) == []
    assert (
        not apps.get_model("customers", "IdentifierEvent")
        .objects.filter(value="TOM-EXT-1")
        .exists()
    )
    # erasing the victim itself is refused: the person's data moved to the survivor
    with pytest.raises(DomainError) as merged:
        customer_erase(customer_id=duplicate.pk, actor=checker, reason="dup")
    assert merged.value.code == 8067
