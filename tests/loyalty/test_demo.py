import io

from customers.models import Customer, Source, SourceProfile, Store, Till
from loyalty import demo, selectors
from loyalty.models import Enrollment, Program
from loyalty.models import Transaction as Bill


def test_demo_loader_is_idempotent_and_ledger_consistent(db):
    # given: the org and a handful of customers, as the customers demo loader leaves them
    store = Store.objects.create(code="demo.store")
    Till.objects.create(store=store, code="demo.till")
    for index in range(12):
        customer = Customer.objects.create()
        SourceProfile.objects.create(
            customer=customer, source=Source.INSTORE, first_name=f"C{index}"
        )
    # when: loaded twice
    demo.load_loyalty(stdout=io.StringIO())
    counts = (Bill.objects.count(), Enrollment.objects.count())
    demo.load_loyalty(stdout=io.StringIO())
    # then
    assert (Bill.objects.count(), Enrollment.objects.count()) == counts
    assert set(Program.objects.values_list("pk", flat=True)) == {1016, 1219, 1223}
    assert Program.objects.get(is_default=True).tiers.count() == 3
    assert Bill.objects.filter(type="NOT_INTERESTED", customer__isnull=True).count() == 12
    assert Enrollment.objects.filter(program_id=1219).exists()
    assert selectors.ledger_differences() == []
