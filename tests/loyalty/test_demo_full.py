import io

import pytest
from django.core.management import call_command

from loyalty import selectors
from loyalty.models import Enrollment, LedgerEntry, LedgerKind, Program


@pytest.mark.django_db
def test_every_demo_customer_figures_equal_their_ledger():
    # when: the whole demo (customers register at order 30 between the loyalty loaders)
    call_command("load_demo", "--force", stdout=io.StringIO())
    # then
    assert selectors.ledger_differences() == []
    checked = io.StringIO()
    call_command("check_invariants", "--no-progress", stdout=checked)  # exits 1 otherwise
    assert "Every invariant holds" in checked.getvalue()
    default = Program.objects.get(is_default=True)
    assert default.pk == 1016
    assert Enrollment.objects.filter(program=default).count() >= 100
    assert Enrollment.objects.filter(program_id__in=[1219, 1223]).exists()
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {LedgerKind.REGISTRATION_BONUS, LedgerKind.BILL_EARN, LedgerKind.RETURN} <= kinds
