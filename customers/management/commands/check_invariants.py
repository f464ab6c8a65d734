"""Check the invariants of docs/invariants.md (I1-I4) over the whole database."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from customers.invariants import BATCH_SIZE, invariant_findings

LISTED_PER_CHECK = 50


class Progress:
    """A one-line progress bar on a terminal; a line per tenth elsewhere (CI logs)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int, check) -> None:
        fraction = done / total if total else 1.0
        elapsed = time.monotonic() - self.started
        if self.tty:
            bar = "#" * int(fraction * 30)
            self.stream.write(
                f"\r[{bar:<30}] {fraction:4.0%} {done}/{total} {check.invariant} "
                f"{check.name:<40} {elapsed:6.1f}s"
            )
            if done == total:
                self.stream.write("\n")
        elif int(fraction * 10) > self.shown:
            self.shown = int(fraction * 10)
            self.stream.write(
                f"{fraction:4.0%} {done}/{total} batches ({check.invariant} {check.name}) "
                f"{elapsed:.1f}s\n"
            )
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Check the registry and ledger invariants (docs/invariants.md: I1 one holder per "
        "identifier, I2 merge victims hold nothing, I3 channels follow identifiers, I4 the "
        "ledger) over the whole database in batches of primary keys; lists what it finds "
        "and exits 1 when anything is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            nargs="*",
            default=None,
            help="Invariants (I1 .. I4) or check names to run; default: all.",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, only=None, batch_size=BATCH_SIZE, no_progress=False, **options):
        started = time.monotonic()
        progress = None if no_progress else Progress(sys.stderr)
        findings = invariant_findings(only=only, batch_size=batch_size, progress=progress)
        listed: dict[str, int] = {}
        for finding in findings:
            listed[finding.check] = listed.get(finding.check, 0) + 1
            if listed[finding.check] <= LISTED_PER_CHECK:
                self.stdout.write(str(finding))
        for check, count in listed.items():
            if count > LISTED_PER_CHECK:
                self.stdout.write(f"{check}: {count - LISTED_PER_CHECK} more not listed")
        elapsed = time.monotonic() - started
        if findings:
            summary = ", ".join(f"{check} {count}" for check, count in listed.items())
            self.stderr.write(f"{len(findings)} violation(s) in {elapsed:.1f}s: {summary}")
            raise SystemExit(1)
        self.stdout.write(f"Every invariant holds ({elapsed:.1f}s).")
