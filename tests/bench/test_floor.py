import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import bench_floor
from customers.models import Customer


def test_the_floor_is_not_mounted_by_default(till_client):
    # given BENCH_FLOOR unset (production)
    assert not bench_floor.enabled()
    # then the path is an unknown route
    assert till_client.get("/v2/_floor/1").status_code == 404


@pytest.mark.urls("tests.bench.floor_urls")
def test_the_floor_answers_one_customer_with_one_query_after_authentication(till_client):
    customer = Customer.objects.create(loyalty_type="non_loyalty")
    # when
    with CaptureQueriesContext(connection) as captured:
        response = till_client.get(f"/v2/_floor/{customer.pk}")
    # then
    assert response.status_code == 200
    assert response.json() == {"id": customer.pk, "loyaltyType": "non_loyalty"}
    floor_queries = [q for q in captured.captured_queries if "customers_customer" in q["sql"]]
    assert len(floor_queries) == 1


@pytest.mark.urls("tests.bench.floor_urls")
def test_the_floor_requires_the_api_authentication(api_client, till_client):
    assert api_client.get("/v2/_floor/1").status_code == 401
    assert till_client.get("/v2/_floor/999999").status_code == 404
