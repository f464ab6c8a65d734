"""Services and selectors called directly (the admin will call the same functions)."""

import pytest
from django.contrib.auth import get_user_model

from config.errors import DomainError, Warnings
from config.masking import mask
from customers import registry
from customers.models import Customer, CustomerMerge, Identifier, SourceProfile
from customers.normalise import as_bool, as_text, normalise_identifier, search_prefix
from customers.parsers import register_command, update_command
from customers.selectors import customer_audit_trail
from customers.services import customer_merge, customer_register, customer_update
from tests.customers.conftest import register_body

pytestmark = pytest.mark.django_db


def register(*, source, account_id, payload, actor):
    command = register_command(source=source, account_id=account_id, body=payload)
    return customer_register(command=command, actor=actor)


def update(*, customer_id, source, account_id, payload, actor):
    command = update_command(
        customer_id=customer_id, source=source, account_id=account_id, body=payload
    )
    return customer_update(command=command, actor=actor)


@pytest.mark.parametrize(
    ("type_", "raw", "stored"),
    [
        ("mobile", 919111111111, "919111111111"),
        ("mobile", "91901000001", "91901000001"),  # the seed's sample: possible, unassigned
        ("mobile", "98450 12345", "919845012345"),  # DEFAULT_PHONE_REGION = IN
        ("mobile", "+1 (415) 555-2671", "14155552671"),
        ("email", " Tom.Sawyer@Example.COM ", "tom.sawyer@example.com"),
        ("wechat", "  ray11 ", "ray11"),
    ],
)
def test_normalise_identifier(type_, raw, stored):
    assert normalise_identifier(type_, raw) == stored


def test_small_helpers():
    assert as_text(12.0) == "12" and as_bool("true") and not as_bool("false")
    assert mask("mobile", "919845012345") == "••••••••2345"
    assert search_prefix("+91 98450") == "9198450" and search_prefix("Tom") == "tom"


def test_default_phone_region_is_configurable(settings):
    settings.DEFAULT_PHONE_REGION = "US"
    assert normalise_identifier("mobile", "(415) 555-2671") == "14155552671"


def test_register_and_update_record_the_staff_actor(org_config):
    user = get_user_model().objects.create_user(username="ops", password="x", is_staff=True)
    result = register(
        source="INSTORE",
        account_id=None,
        payload=register_body(("mobile", "919845012345")),
        actor=user,
    )
    assert result.created and result.customer.created_by_user == user
    update(
        customer_id=result.customer.pk,
        source="INSTORE",
        account_id=None,
        payload={"profiles": [{"lastName": "Finn"}]},
        actor=user,
    )
    profile = SourceProfile.objects.get()
    assert profile.last_name == "Finn" and profile.modified_by_user == user
    trail = customer_audit_trail(customer_id=result.customer.pk)
    assert trail[0]["actor"] == "user:ops"
    assert {e["model"] for e in trail} == {"customer", "profile", "identifier"}
    profile_update = next(e for e in trail if e["model"] == "profile" and e["label"] == "update")
    assert profile_update["changes"]["last_name"] == ["Sawyer", "Finn"]


def test_merge_service_moves_everything_and_runs_merge_steps(org_config, till):
    survivor = register(
        source="INSTORE",
        account_id=None,
        payload=register_body(("mobile", "919845000001")),
        actor=till,
    ).customer
    victim = register(
        source="INSTORE",
        account_id=None,
        payload=register_body(("mobile", "919845000002")),
        actor=till,
    ).customer
    register(
        source="MOBILE_APP",
        account_id="400",
        payload=register_body(("email", "v@example.com"), source="MOBILE_APP", account="400"),
        actor=till,
    )
    seen = []

    def step(*, victim, survivor, actor, warnings):
        seen.append((victim.pk, survivor.pk, actor))

    registry.merge_steps.register("test-step", step)
    try:
        merge = customer_merge(
            victim_id=victim.pk, survivor_id=survivor.pk, actor=till, reason="dup"
        )
    finally:
        registry.merge_steps._entries.pop("test-step")

    assert seen == [(victim.pk, survivor.pk, till)]
    assert (merge.victim_id, merge.survivor_id, merge.merged_by_till, merge.reason) == (
        victim.pk,
        survivor.pk,
        till,
        "dup",
    )
    # both INSTORE profiles become one: the victim's identifiers join the survivor's profile
    assert SourceProfile.objects.filter(customer=survivor, source="INSTORE").count() == 1
    assert set(Identifier.objects.filter(customer=survivor).values_list("value", flat=True)) == {
        "919845000001",
        "919845000002",
    }
    victim.refresh_from_db()
    assert victim.merged_into_id == survivor.pk and victim.merged_at is not None


def test_merge_refusals_write_nothing(org_config, till):
    a = register(
        source="INSTORE",
        account_id=None,
        payload=register_body(("mobile", "919845000001")),
        actor=till,
    ).customer
    b = register(
        source="INSTORE",
        account_id=None,
        payload=register_body(("mobile", "919845000002")),
        actor=till,
    ).customer
    with pytest.raises(DomainError) as same:
        customer_merge(victim_id=a.pk, survivor_id=a.pk, actor=till)
    assert same.value.code == 9029
    customer_merge(victim_id=a.pk, survivor_id=b.pk, actor=till)
    with pytest.raises(DomainError) as again:
        customer_merge(victim_id=a.pk, survivor_id=b.pk, actor=till)
    assert again.value.code == 9027
    with pytest.raises(DomainError) as merged_survivor:
        customer_merge(victim_id=b.pk, survivor_id=a.pk, actor=till)
    assert merged_survivor.value.code == 9023
    with pytest.raises(DomainError) as missing:
        customer_merge(victim_id=b.pk, survivor_id=999999, actor=till)
    assert missing.value.code == 816
    assert CustomerMerge.objects.count() == 1


def test_failing_merge_step_rolls_back_the_whole_merge(org_config, till):
    a = register(
        source="INSTORE",
        account_id=None,
        payload=register_body(("mobile", "919845000001")),
        actor=till,
    ).customer
    b = register(
        source="MOBILE_APP",
        account_id="400",
        payload=register_body(("mobile", "919845000002"), source="MOBILE_APP", account="400"),
        actor=till,
    ).customer

    def failing(*, victim, survivor, actor, warnings):
        raise DomainError(500)

    registry.merge_steps.register("failing", failing)
    try:
        with pytest.raises(DomainError):
            customer_merge(victim_id=b.pk, survivor_id=a.pk, actor=till, warnings=Warnings())
    finally:
        registry.merge_steps._entries.pop("failing")
    assert Customer.objects.get(pk=b.pk).merged_into_id is None
    assert SourceProfile.objects.get(customer=b).source == "MOBILE_APP"
    assert not CustomerMerge.objects.exists()


def test_demo_loader_is_idempotent(store):
    from io import StringIO

    from customers.demo import DEMO_CUSTOMER_COUNT, load_customers, load_org, load_staff
    from customers.models import CustomerStatus

    load_org(stdout=StringIO())
    load_staff(stdout=StringIO())
    load_customers(stdout=StringIO())
    counts = (Customer.objects.count(), SourceProfile.objects.count(), Identifier.objects.count())
    load_customers(stdout=StringIO())
    assert counts == (
        Customer.objects.count(),
        SourceProfile.objects.count(),
        Identifier.objects.count(),
    )
    assert Customer.objects.count() == DEMO_CUSTOMER_COUNT + 1  # + the seed's lookup sample
    assert Customer.objects.filter(merged_into__isnull=False).count() == 3
    assert Customer.objects.filter(status=CustomerStatus.FRAUD_MARKED).count() == 1
    multi = Customer.objects.filter(profiles__source="MOBILE_APP").filter(
        profiles__source="INSTORE"
    )
    assert multi.exists()
    from django.contrib.auth.models import Group

    senior = Group.objects.get(name="senior agent")
    assert senior.permissions.filter(codename="view_pii").exists()
    assert not Group.objects.get(name="agent").permissions.filter(codename="view_pii").exists()
