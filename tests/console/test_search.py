import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.console_search import search_plan
from tests.console.conftest import make_customer, merge

CHANGELIST = "/admin/customers/customer/"


@pytest.mark.parametrize(
    ("term", "kinds"),
    [
        ("3210", ("user id", "end of mobile", "mobile", "card / external id")),
        ("+91 98765-43210", ("user id", "end of mobile", "mobile", "card / external id")),
        ("ann@example.com", ("e-mail",)),
        ("ann", ("name prefix", "card / external id")),
        ("ann smi", ("name prefix", "card / external id")),
        ("CARD-0042", ("card / external id",)),
        ("  ", ()),
    ],
)
def test_the_search_box_recognises_what_was_typed(term, kinds):
    assert search_plan(term).kinds == kinds


@pytest.fixture
def customers(db):
    return {
        "ann": make_customer(
            "Ann", "Smith", mobile="919876543210", email="ann.smith@example.com", card="CARD-0042"
        ),
        "bob": make_customer("Bob", "Annan", mobile="919811112222", email="bob@example.org"),
        "carl": make_customer("Carl", "Jones", mobile="447700900123", source="ECOMMERCE"),
    }


def found_ids(response) -> set[int]:
    return {customer.pk for customer in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("3210", {"ann"}),  # the last digits of the mobile
        ("98765 43210", {"ann"}),  # a local number, as the API normalises it
        ("919811", {"bob"}),  # the start of a mobile with its country code
        ("ann.smith@", {"ann"}),
        ("BOB@EXAMPLE.ORG", {"bob"}),
        ("ann", {"ann", "bob"}),  # first name Ann, last name Annan
        ("ann smi", {"ann"}),
        ("jones", {"carl"}),
        ("card-0042", {"ann"}),
        ("nobody", set()),
    ],
)
def test_the_agent_finds_customers_by_what_they_say(agent_client, customers, term, expected):
    # when
    response = agent_client.get(CHANGELIST, {"q": term})

    # then
    assert response.status_code == 200
    assert found_ids(response) == {customers[key].pk for key in expected}


def test_a_user_id_finds_the_customer(agent_client, customers):
    response = agent_client.get(CHANGELIST, {"q": str(customers["carl"].pk)})

    assert customers["carl"].pk in found_ids(response)


def test_identifiers_are_masked_without_the_pii_permission(agent_client, customers):
    response = agent_client.get(CHANGELIST, {"q": "3210"})

    body = response.content.decode()
    assert "919876543210" not in body
    assert "••••••••3210" in body
    assert "ann.smith@example.com" not in body
    assert "a•••@example.com" in body


def test_identifiers_are_shown_in_full_with_the_pii_permission(senior_client, customers):
    response = senior_client.get(CHANGELIST, {"q": "3210"})

    body = response.content.decode()
    assert "919876543210" in body
    assert "ann.smith@example.com" in body


def test_rows_show_name_sources_and_status_and_link_to_the_single_view(agent_client, customers):
    response = agent_client.get(CHANGELIST, {"q": "jones"})

    body = response.content.decode()
    carl = customers["carl"]
    assert "Carl Jones" in body
    assert "ECOMMERCE" in body
    assert f"/admin/customers/customer/{carl.pk}/view/" in body
    assert "console-badge-ok" in body


def test_a_merge_victim_row_links_to_its_survivor(agent_client, customers):
    # given
    victim = make_customer("Vic", "Tim", mobile="919700000001")
    merge(victim, customers["ann"])

    # when
    response = agent_client.get(CHANGELIST, {"q": str(victim.pk)})

    # then
    body = response.content.decode()
    assert f'href="/admin/customers/customer/{customers["ann"].pk}/view/"' in body
    assert f"merged → {customers['ann'].pk}" in body


def test_filters_by_status_loyalty_type_and_source(agent_client, customers):
    from customers.models import Customer

    Customer.objects.filter(pk=customers["bob"].pk).update(status="SUSPENDED")

    assert found_ids(agent_client.get(CHANGELIST, {"status__exact": "SUSPENDED"})) == {
        customers["bob"].pk
    }
    assert found_ids(agent_client.get(CHANGELIST, {"source": "ECOMMERCE"})) == {
        customers["carl"].pk
    }
    assert found_ids(agent_client.get(CHANGELIST, {"loyalty_type__exact": "non_loyalty"})) == set()


def _count_queries(context) -> list[str]:
    return [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"].upper()]


def test_no_page_counts_the_whole_table(agent_client, customers):
    for params in ({}, {"q": "ann"}, {"status__exact": "ACTIVE"}, {"source": "INSTORE"}):
        with CaptureQueriesContext(connection) as context:
            response = agent_client.get(CHANGELIST, params)
        assert response.status_code == 200
        for sql in _count_queries(context):
            assert "LIMIT" in sql.upper(), sql  # bounded counts only


def test_the_unfiltered_list_uses_the_planner_estimate_on_a_big_table(
    agent_client, customers, monkeypatch
):
    from customers import console_search

    monkeypatch.setattr(console_search, "table_estimate", lambda model: 1_234_567)

    with CaptureQueriesContext(connection) as context:
        response = agent_client.get(CHANGELIST)

    assert response.context["cl"].result_count == 1_234_567
    assert "about 1234567 customers" in " ".join(response.content.decode().split())
    assert _count_queries(context) == []


def test_the_unfiltered_list_shows_the_estimate_even_on_a_small_table(
    agent_client, customers, monkeypatch
):
    # given: the planner thinks there are 2 customers (there are 3)
    from customers import console_search

    monkeypatch.setattr(console_search, "table_estimate", lambda model: 2)

    # when
    with CaptureQueriesContext(connection) as context:
        response = agent_client.get(CHANGELIST)

    # then: the estimate is shown as one, and no row is cut off by it
    body = " ".join(response.content.decode().split())
    assert "about 2 customers" in body and "found" not in body
    assert len(response.context["cl"].result_list) == 3
    assert _count_queries(context) == []


def test_a_never_analysed_table_is_counted_with_a_cap(agent_client, customers, monkeypatch):
    from customers import console_search

    monkeypatch.setattr(console_search, "table_estimate", lambda model: -1)

    response = agent_client.get(CHANGELIST)

    body = " ".join(response.content.decode().split())
    assert response.context["cl"].result_count == 3
    assert "about" not in body and "3 customers" in body


def test_a_filtered_list_shows_its_capped_count(agent_client, customers, monkeypatch):
    from customers import console_search

    monkeypatch.setattr(console_search, "COUNT_LIMIT", 1)  # two INSTORE customers

    body = " ".join(agent_client.get(CHANGELIST, {"source": "INSTORE"}).content.decode().split())

    assert "more than 1 found" in body and "more than 1 customer" in body


def _changelist_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "ann"}, {"q": "3210"}, {"source": "INSTORE"}])
def test_the_changelist_query_count_does_not_grow_with_the_data(
    agent_client, customers, params, django_assert_max_num_queries
):
    # given: a page of three customers
    small = _changelist_queries(agent_client, params)

    # when: a full page (and more) of customers with several identifiers and enrollments
    from loyalty.models import Enrollment, Program, Tier

    program = Program.objects.create(id=70, name="Club")
    tier = Tier.objects.create(program=program, serial_number=1, name="Base")
    for number in range(70):
        customer = make_customer(
            "Anna",
            f"Smith{number}",
            mobile=f"9198000{number:05d}",
            email=f"a{number}@x.org",
            card=f"C{number}3210",
        )
        Enrollment.objects.create(
            customer=customer, program=program, tier=tier, loyalty_id=number, loyalty_points=5
        )

    # then
    with django_assert_max_num_queries(small):
        agent_client.get(CHANGELIST, params)


def test_rows_show_tier_and_points_and_filter_by_program_and_tier(agent_client, customers):
    # given
    from loyalty.models import Enrollment, Program, Tier

    club = Program.objects.create(id=7, name="Club")
    gold = Tier.objects.create(program=club, serial_number=2, name="Gold")
    Tier.objects.create(program=club, serial_number=1, name="Base")
    Enrollment.objects.create(
        customer=customers["ann"], program=club, tier=gold, loyalty_id=1, loyalty_points=120
    )

    # when
    by_program = agent_client.get(CHANGELIST, {"program": "7"})
    by_tier = agent_client.get(CHANGELIST, {"tier": str(gold.pk)})

    # then
    assert found_ids(by_program) == {customers["ann"].pk}
    assert found_ids(by_tier) == {customers["ann"].pk}
    body = by_program.content.decode()
    assert '<td class="field-registry_tier">Gold</td>' in body
    assert '<td class="field-registry_points">120</td>' in body


@pytest.fixture
def many_customers(customers):
    """Five thousand more customers, analysed, so that the planner chooses as it would
    with a million (on a handful of rows it happily scans)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no history triggers
        cursor.execute(
            """
            WITH made AS (
                INSERT INTO customers_customer (created_at, modified_at, loyalty_type, status,
                                                extended_fields, registered_at)
                SELECT now(), now(), 'loyalty', 'ACTIVE', '{}', now()
                FROM generate_series(1, 5000) RETURNING id
            ), profiles AS (
                INSERT INTO customers_sourceprofile (customer_id, source, first_name, last_name,
                       custom_fields, auto_update_time, created_at, modified_at)
                SELECT id, 'INSTORE', 'Zed' || id, 'Young' || id, '{}', now(), now(), now()
                FROM made RETURNING id, customer_id
            )
            INSERT INTO customers_identifier (profile_id, customer_id, source, type, value,
                                              created_at)
            SELECT id, customer_id, 'INSTORE', 'mobile', (917000000000 + customer_id)::text,
                   now()
            FROM profiles
            """
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("ANALYZE customers_customer, customers_sourceprofile, customers_identifier")


@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("3210", "identifier_mobile_suffix"),
        ("ann.smith@", "identifier_value_prefix"),
        ("ann", "profile_first_name_prefix"),
        ("smi", "profile_last_name_prefix"),
    ],
)
def test_every_search_probe_is_answered_by_an_index(many_customers, term, index):
    from customers.console_search import customer_ids_matching

    # when
    with CaptureQueriesContext(connection) as context:
        customer_ids_matching(term=term)

    # then
    (sql,) = [q["sql"] for q in context.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Seq Scan" not in plan, plan
