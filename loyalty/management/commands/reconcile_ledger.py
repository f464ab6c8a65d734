"""Re-derive every enrollment's figures from the ledger and report any difference."""

from __future__ import annotations

from customers.management.commands.check_invariants import Command as CheckInvariants


class Command(CheckInvariants):
    help = (
        "Compare the enrollment figures with the sums of the points ledger (the ledger_sums "
        "check of check_invariants); exits 1 and lists the differences when any disagrees."
    )

    def handle(self, *args, **options):
        return super().handle(*args, **{**options, "only": ["ledger_sums"]})
