from django.template.loader import render_to_string
from django.test import RequestFactory

from loyalty import console, services
from loyalty.models import LedgerKind


def render(customer, **params):
    request = RequestFactory().get("/", params)
    data = console.load_section(customer=customer, request=request)
    return render_to_string(console.SECTION.template, {**data, "customer": customer})


def test_section_shows_figures_ledger_and_pages_on(enrolled, till):
    enrollment = enrolled(points=10)
    for _ in range(console.LEDGER_ROWS_SHOWN + 1):
        services.points_credit(
            enrollment=enrollment, kind=LedgerKind.GOODWILL, points=1, actor=till, reason="Sorry"
        )
    body = render(enrollment.customer)
    assert 'id="loyalty"' in body
    assert "1016 Default program" in body
    assert "<td>1 Silver</td>" in body and "<td>2 Gold</td>" in body  # tier and next tier
    assert "Older entries" in body
    data = console.load_section(customer=enrollment.customer, request=RequestFactory().get("/"))
    older = render(enrollment.customer, ledger_cursor=data["loyalty_ledger_next_cursor"])
    assert "Newest" in older
    assert "Older entries" not in older
    assert render(enrollment.customer, ledger_cursor="junk")  # a bad cursor shows page one


def test_section_query_count_does_not_grow_with_history(
    enrolled, store, till, django_assert_max_num_queries
):
    enrollment = enrolled(points=10)
    request = RequestFactory().get("/")
    with django_assert_max_num_queries(8) as small:
        console.load_section(customer=enrollment.customer, request=request)
    for number in range(15):
        services.bill_add(
            store=store,
            till=till,
            number=f"B{number}",
            amount=10,
            bill_type="REGULAR",
            customer=enrollment.customer,
            actor=till,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        console.load_section(customer=enrollment.customer, request=request)
