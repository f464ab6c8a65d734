"""Search, lookup and details run on indexes with a constant number of queries."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, Identifier, SourceProfile
from customers.selectors import (
    SourceRef,
    customer_get_details,
    customer_lookup,
    customer_search,
)
from tests.customers.conftest import register

pytestmark = pytest.mark.django_db

NAMES = ["Asha", "Ravi", "Meera", "Arjun", "Priya", "Kiran", "Neha", "Vikram", "Tom", "Becky"]
_serial = itertools.count()
SEARCHED_TABLES = ("customers_customer", "customers_identifier", "customers_sourceprofile")


def bulk_customers(count: int, *, first_name=None, profiles_each=1) -> list[Customer]:
    """`count` customers with `profiles_each` profiles, a mobile and an e-mail each."""
    customers = Customer.objects.bulk_create([Customer() for _ in range(count)])
    sources = ["INSTORE", "ECOMMERCE", "WEBSITE", "MARTJACK", "JD"][:profiles_each]
    profiles = SourceProfile.objects.bulk_create(
        [
            SourceProfile(
                customer=c,
                source=source,
                first_name=first_name or NAMES[i % len(NAMES)] + str(i),
                last_name=f"Last{i}",
            )
            for i, c in enumerate(customers)
            for source in sources
        ]
    )
    Identifier.objects.bulk_create(
        [
            Identifier(
                profile=p,
                customer_id=p.customer_id,
                source=p.source,
                type=type_,
                value=value,
            )
            for p in profiles
            for i in [next(_serial)]
            for type_, value in (
                ("mobile", f"9197{i:08d}"),
                ("email", f"user{i}@example.com"),
            )
        ]
    )
    return customers


def plans(queries) -> list[str]:
    result = []
    with connection.cursor() as cursor:
        for query in queries:
            if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN " + query["sql"])
            result.append("\n".join(row[0] for row in cursor.fetchall()))
    return result


def assert_no_seq_scan(plan_texts):
    for plan in plan_texts:
        for table in SEARCHED_TABLES:
            assert f"Seq Scan on {table}" not in plan, plan


def test_search_and_lookup_use_indexes_not_sequential_scans():
    # given: enough rows for the planner to prefer the indexes on its own
    bulk_customers(5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer, customers_sourceprofile, customers_identifier")
    mobile = Identifier.objects.filter(type="mobile").last().value
    email = Identifier.objects.filter(type="email").first().value.upper()
    # when
    with CaptureQueriesContext(connection) as captured:
        rows, total = customer_search(q="Vikram12", limit=10, offset=0)
        customer_search(q="user4999@", limit=10, offset=0)
        customer_search(q="+91 97000 0012", limit=10, offset=0)
        found = customer_lookup(
            source="INSTORE",
            account_id=None,
            identifier_name="mobile",
            identifier_value=mobile,
        )
        customer_lookup(
            source="ALL",
            account_id=None,
            identifier_name="email",
            identifier_value=email,
        )
    # then
    assert total >= len(rows) >= 1
    assert found is not None
    explained = plans(captured.captured_queries)
    assert len(explained) == 3 + 2  # three searches of one query, two lookups
    assert_no_seq_scan(explained)


def test_search_matches_names_and_identifiers_case_insensitively(till_client, org_config):
    tom = register(till_client, ("mobile", "919845000001"), ("email", "Tom.S@Example.com"))
    register(till_client, ("mobile", "919845000002"), first="Becky", last="Thatcher")
    tom_id = tom.json()["createdId"]

    by_name = till_client.get("/v2/customers/search?q=TOM&limit=10&offset=0").json()
    assert by_name["pagination"] == {"limit": 10, "offset": 0, "total": 1}
    assert by_name["data"][0]["userId"] == tom_id
    assert by_name["data"][0]["matchedIdentifiers"] == [
        {"idType": "firstName", "idValue": "Tom", "source": "INSTORE", "accountId": ""},
        {"idType": "email", "idValue": "tom.s@example.com", "source": "INSTORE", "accountId": ""},
    ]
    assert by_name["data"][0]["profiles"][0]["firstName"] == "Tom"
    assert by_name["warnings"] == [] and by_name["errors"] == []

    by_email = till_client.get("/v2/customers/search?q=TOM.S@").json()
    assert by_email["data"][0]["matchedIdentifiers"] == [
        {
            "idType": "email",
            "idValue": "tom.s@example.com",
            "source": "INSTORE",
            "accountId": "",
        }
    ]
    by_mobile = till_client.get("/v2/customers/search?q=%2B91%209845").json()
    assert by_mobile["pagination"]["total"] == 2
    by_last_name = till_client.get("/v2/customers/search?q=thatch").json()
    assert by_last_name["data"][0]["matchedIdentifiers"][0]["idType"] == "lastName"
    # LIKE wildcards in q are literal
    assert till_client.get("/v2/customers/search?q=%25").json()["pagination"]["total"] == 0


def test_search_pagination_and_codes(till_client):
    bulk_customers(25, first_name="Sam")
    page = till_client.get("/v2/customers/search?q=sam&limit=10&offset=20").json()
    assert page["pagination"] == {"limit": 10, "offset": 20, "total": 25}
    assert len(page["data"]) == 5
    beyond = till_client.get("/v2/customers/search?q=sam&limit=10&offset=40").json()
    assert beyond["pagination"]["total"] == 25 and beyond["data"] == []
    assert till_client.get("/v2/customers/search?q=").json()["errors"][0]["code"] == 400
    assert (
        till_client.get("/v2/customers/search?q=sam&limit=101").json()["errors"][0]["code"] == 8102
    )


# Per request: till authentication (1) and the throttle counter (up to 2, config's).
REQUEST_OVERHEAD = 3


def customer_queries(captured) -> int:
    """Queries on customer tables other than the till authentication."""
    return sum(
        1
        for q in captured.captured_queries
        if "customers_" in q["sql"] and 'FROM "customers_till" t JOIN' not in q["sql"]
    )


def search_queries(client, django_assert_max_num_queries):
    # 1 = matching ids with the total, their profiles and matched identifiers as JSON
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 1) as captured:
        response = client.get("/v2/customers/search?q=same&limit=100")
    return response.json(), customer_queries(captured)


def test_search_query_count_does_not_grow(till_client, django_assert_max_num_queries):
    bulk_customers(2, first_name="Same")
    small, small_count = search_queries(till_client, django_assert_max_num_queries)
    bulk_customers(60, first_name="Same", profiles_each=3)
    large, large_count = search_queries(till_client, django_assert_max_num_queries)
    assert len(small["data"]) == 2 and len(large["data"]) == 62
    assert small_count == large_count == 1


def lookup_queries(client, mobile, django_assert_max_num_queries) -> int:
    # 1 = one probe of the identifier index joined to customers
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 1) as captured:
        response = client.get(
            f"/v2/customers/lookup?source=ALL&identifierName=mobile&identifierValue={mobile}"
        )
    assert response.status_code == 200
    return customer_queries(captured)


def test_lookup_query_count_does_not_grow(till_client, django_assert_max_num_queries):
    # given: a customer with one profile among few rows, then one with five among many
    few = bulk_customers(1, profiles_each=1)[0]
    small = lookup_queries(
        till_client,
        Identifier.objects.filter(customer=few, type="mobile").first().value,
        django_assert_max_num_queries,
    )
    bulk_customers(60, profiles_each=3)
    many = bulk_customers(1, profiles_each=5)[0]
    large = lookup_queries(
        till_client,
        Identifier.objects.filter(customer=many, type="mobile").last().value,
        django_assert_max_num_queries,
    )
    assert small == large == 1


def test_details_query_count_does_not_grow_with_profiles(
    till_client, django_assert_max_num_queries
):
    few = bulk_customers(1, profiles_each=1)[0]
    many = bulk_customers(1, profiles_each=5)[0]
    # 1 = the customer with its attribution, profiles, identifiers and channels, and
    # loyalty's detail part (the lifetime purchases) as a subquery
    counts = []
    for customer in (few, many):
        with django_assert_max_num_queries(REQUEST_OVERHEAD + 1) as captured:
            response = till_client.get(f"/v2/customers/{customer.pk}?source=ALL")
        assert response.status_code == 200
        counts.append(customer_queries(captured))
    assert counts == [1, 1]
    assert len(response.json()["profiles"]) == 5


def test_details_of_many_customers_is_constant(django_assert_max_num_queries):
    customers = bulk_customers(40, profiles_each=3)
    with django_assert_max_num_queries(2):  # details + lifetime purchases
        bodies = customer_get_details(customers=customers, source=SourceRef("ALL"))
    assert len(bodies) == 40
    assert all(len(body["profiles"]) == 3 for body in bodies.values())
