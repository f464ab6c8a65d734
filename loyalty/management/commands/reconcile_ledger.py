"""Re-derive every enrollment's figures from the ledger and report any difference."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from loyalty.selectors import ledger_differences


class Command(BaseCommand):
    help = (
        "Compare the enrollment figures with the sums of the points ledger; exits 1 and "
        "lists the differences when any figure disagrees."
    )

    def handle(self, *args, **options):
        differences = ledger_differences()
        for difference in differences:
            self.stdout.write(
                "enrollment {enrollment}: {figure} is {cached}, ledger says {ledger}".format(
                    **difference
                )
            )
        if differences:
            self.stderr.write(f"{len(differences)} difference(s) between figures and ledger.")
            raise SystemExit(1)
        self.stdout.write("Every enrollment agrees with its ledger.")
