"""Expire points whose batches are due, oldest first. Safe to re-run (cron, daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from loyalty.services import points_expire


class Command(BaseCommand):
    help = "Expire due points batches (FIFO); re-running expires nothing more."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Expire as of this ISO date-time instead of the current time."
        )

    def handle(self, *args, now=None, **options):
        moment = timezone.now()
        if now:
            moment = parse_datetime(now)
            if moment is None:
                self.stderr.write(f"Unreadable --now {now!r}")
                raise SystemExit(2)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        count = points_expire(now=moment, actor=None)
        self.stdout.write(f"Expired points of {count} enrollment(s).")
