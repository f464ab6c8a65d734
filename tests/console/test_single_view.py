import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.console.conftest import make_customer, merge


def single_view(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/view/"


@pytest.fixture
def ann(db):
    return make_customer(
        "Ann", "Smith", mobile="919876543210", email="ann.smith@example.com", card="CARD-0042"
    )


def test_the_single_view_shows_header_profiles_identifiers_and_channels(senior_client, ann):
    # when
    response = senior_client.get(single_view(ann))

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ann Smith" in body
    assert f"user id <strong>{ann.pk}</strong>" in body
    assert "console-badge-ok" in body and ">active<" in body
    assert ">Loyalty<" in body
    assert "INSTORE" in body
    assert "919876543210" in body and "ann.smith@example.com" in body and "CARD-0042" in body
    assert 'id="audit-trail"' in body


def test_the_single_view_masks_identifiers_and_channels_without_pii(agent_client, ann):
    body = agent_client.get(single_view(ann)).content.decode()

    assert "919876543210" not in body
    assert "ann.smith@example.com" not in body
    assert "••••••••3210" in body
    assert "a•••@example.com" in body


def test_the_generic_change_page_leads_to_the_single_view(agent_client, ann):
    response = agent_client.get(f"/admin/customers/customer/{ann.pk}/change/")

    assert response.status_code == 302
    assert response["Location"] == single_view(ann)


def test_a_change_path_that_names_no_customer_id_is_not_found(agent_client, ann):
    # a mistyped path lands in the change view with the rest of the path as the id
    response = agent_client.get(f"/admin/customers/customer/{ann.pk}/raise/identifier/change/")

    assert response.status_code == 404


def test_status_badges_show_fraud_and_suspension(agent_client, ann):
    from customers.models import Customer

    Customer.objects.filter(pk=ann.pk).update(status="FRAUD_MARKED")

    body = agent_client.get(single_view(ann)).content.decode()

    assert "console-badge-danger" in body and "fraud marked" in body


def test_a_merge_victim_points_to_its_survivor(agent_client, ann):
    # given
    victim = make_customer("Vic", "Tim")
    merge(victim, ann)

    # when
    victim_page = agent_client.get(single_view(victim)).content.decode()
    survivor_page = agent_client.get(single_view(ann)).content.decode()

    # then
    assert 'id="merged-banner"' in victim_page
    assert f'href="{single_view(ann)}"' in victim_page
    assert f'href="{single_view(victim)}"' in survivor_page


def test_an_unknown_customer_is_404(agent_client, db):
    assert agent_client.get("/admin/customers/customer/999999/view/").status_code == 404


def test_staff_without_the_view_permission_is_refused(client, db, ann):
    from tests.console.conftest import make_staff

    client.force_login(make_staff("nobody"))

    assert client.get(single_view(ann)).status_code in (302, 403, 404)


def test_every_registered_section_renders(senior_client, ann):
    from customers import registry

    response = senior_client.get(single_view(ann))

    body = response.content.decode()
    for key in registry.single_view_sections.names():
        assert f'id="{key}"' in body, key
    assert "could not be loaded" not in body


def test_the_audit_trail_shows_changes_and_who_made_them(senior_client, senior, ann):
    # given: a change made under the audit context, as every service does
    from customers.audit import audit_context
    from customers.models import SourceProfile

    with audit_context(senior):
        SourceProfile.objects.filter(customer=ann).update(first_name="Anne")

    # when
    body = senior_client.get(single_view(ann)).content.decode()

    # then
    assert "user:senior" in body
    assert "first_name: Ann → Anne" in body


def _grow(customer, *, profiles: int, entries: int) -> None:
    """Give the customer several profiles (identifiers, channels) and loyalty history."""
    from customers.audit import audit_context
    from customers.models import CommChannel, Customer, Identifier, SourceProfile
    from loyalty.models import Enrollment, LedgerEntry, Program, Tier

    sources = ["ECOMMERCE", "WEBSITE", "MARTJACK", "TMALL", "JD", "TAOBAO"]
    for number in range(profiles):
        profile = SourceProfile.objects.create(
            customer=customer, source=sources[number], first_name="Ann", last_name="Smith"
        )
        for kind in ("mobile", "email", "externalId"):
            value = f"{kind}-{number}"
            Identifier.objects.create(
                profile=profile, customer=customer, source=profile.source, type=kind, value=value
            )
            CommChannel.objects.create(profile=profile, customer=customer, type=kind, value=value)
    program, _ = Program.objects.get_or_create(id=90, defaults={"name": "Club"})
    tier, _ = Tier.objects.get_or_create(program=program, serial_number=1, name="Base")
    enrollment = Enrollment.objects.create(
        customer=customer, program=program, tier=tier, loyalty_id=customer.pk
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            enrollment=enrollment, customer=customer, program=program, kind="GOODWILL", points=1
        )
        for _ in range(entries)
    )
    for number in range(20):
        with audit_context(customer.created_by_user or customer.created_by_till or _staff()):
            Customer.objects.filter(pk=customer.pk).update(extended_fields={"n": number})


def _staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_staff=True).first()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_single_view_query_count_does_not_grow_with_the_customer(
    senior_client, ann, django_assert_max_num_queries
):
    # given: a small customer (one profile) and a large one (6 profiles, 500 ledger entries)
    small = make_customer("Bob", "Small", mobile="919811112222")
    large = make_customer("Lara", "Large", mobile="919833334444")
    _grow(small, profiles=0, entries=1)
    _grow(large, profiles=5, entries=500)
    small_count = _queries(senior_client, single_view(small))

    # then
    with django_assert_max_num_queries(small_count):
        senior_client.get(single_view(large))
