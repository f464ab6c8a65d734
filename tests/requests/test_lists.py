from datetime import timedelta

from django.utils import timezone

from customers import registry
from loyalty.models import Request
from tests.requests.conftest import errors_of
from tests.requests.workflow import approve, raise_request


def make_requests(customer, till, count):
    return [
        raise_request(
            request_type="GOODWILL",
            base_type="POINTS",
            customer=customer,
            payload={"points": 10 + n},
            actor=till,
        ).request
        for n in range(count)
    ]


def test_queue_lists_oldest_pending_first_then_decided(
    program, make_customer, till, till_client, supervisor
):
    customer = make_customer()
    first, second, third = make_requests(customer, till, 3)
    Request.objects.filter(pk=first.pk).update(requested_at=timezone.now() - timedelta(hours=1))
    approve(request_id=second.pk, actor=supervisor)
    body = till_client.get("/v2/requests").json()
    assert [item["id"] for item in body["data"]] == [first.pk, third.pk, second.pk]
    assert body["pagination"] == {"limit": 10, "offset": 0, "total": 3}
    pending = till_client.get("/v2/requests", {"status": "PENDING", "limit": 1, "offset": 1}).json()
    assert [item["id"] for item in pending["data"]] == [third.pk]
    assert pending["pagination"]["total"] == 2
    filtered = till_client.get(
        "/v2/requests",
        {
            "type": "GOODWILL",
            "baseType": "POINTS",
            "customerId": customer.pk,
            "storeCode": till.store.code,
            "requester": till.code,
        },
    ).json()
    assert filtered["pagination"]["total"] == 3
    assert (
        till_client.get("/v2/requests", {"requester": "nobody"}).json()["pagination"]["total"] == 0
    )
    today = timezone.localdate().isoformat()
    dated = till_client.get("/v2/requests", {"startDate": today, "endDate": today}).json()
    assert dated["pagination"]["total"] == 3
    assert errors_of(till_client.get("/v2/requests", {"startDate": "yesterday"})) == [8112]
    assert errors_of(till_client.get("/v2/requests", {"limit": 1000})) == [8102]


def test_list_query_counts_do_not_grow(
    program, make_customer, till, till_client, supervisor, django_assert_max_num_queries
):
    customer = make_customer()
    urls = [
        "/v2/requests",
        f"/v2/customers/{customer.pk}/goodwillRequest",
        f"/v2/customers/{customer.pk}/retroRequest",
    ]
    made = make_requests(customer, till, 2)
    approve(request_id=made[0].pk, actor=supervisor)
    small = {}
    for url in urls:
        with django_assert_max_num_queries(8) as captured:
            till_client.get(url)
        small[url] = len(captured)
    made = make_requests(customer, till, 8)
    for request in made[:4]:
        approve(request_id=request.pk, actor=supervisor)
    for url in urls:
        # auth (till + store) + customer + count + page + ledger entries of the page
        with django_assert_max_num_queries(small[url]) as captured:
            response = till_client.get(url)
        assert len(response.json()["data"]) == 10, url


def test_single_view_section_lists_every_type(program, make_customer, till, supervisor):
    customer = make_customer(mobile="919810000001")
    make_requests(customer, till, 1)
    raise_request(
        request_type="CHANGE_IDENTIFIER",
        base_type="MOBILE",
        customer=customer,
        payload={"oldValue": "919810000001", "newValue": "919810000002"},
        actor=till,
    )
    section = registry.single_view_sections.get("requests")
    assert section is not None
    context = section.load(customer=customer, request=None)
    from django.template.loader import render_to_string

    html = render_to_string(section.template, context)
    assert "GOODWILL / POINTS" in html
    assert "CHANGE_IDENTIFIER / MOBILE" in html
    assert "PENDING" in html


def test_goodwill_history_filters(program, make_customer, till, till_client, supervisor):
    customer = make_customer()
    first, second = make_requests(customer, till, 2)
    by_id = till_client.get(
        f"/v2/customers/{customer.pk}/goodwillRequest", {"requestId": first.pk}
    ).json()
    assert [item["requestId"] for item in by_id["data"]] == [first.pk]
    by_program = till_client.get(
        f"/v2/customers/{customer.pk}/goodwillRequest", {"programId": program.pk}
    ).json()
    assert by_program["pagination"]["total"] == 2
    other = till_client.get(f"/v2/customers/{customer.pk}/goodwillRequest", {"programId": 9}).json()
    assert other["pagination"]["total"] == 0
    ranged = till_client.get(
        f"/v2/customers/{customer.pk}/retroRequest", {"startId": second.pk, "endId": second.pk}
    ).json()
    assert [item["id"] for item in ranged["data"]] == [second.pk]
    assert errors_of(till_client.get("/v2/customers/999999/goodwillRequest")) == [816]
