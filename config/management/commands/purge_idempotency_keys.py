"""Delete expired idempotency keys (run from cron, e.g. hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from config.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete idempotency keys whose time to live has passed."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size: int, **options):
        now = timezone.now()
        total = 0
        while True:
            # Batches keep each delete short, so retries using live keys are never held up.
            ids = list(
                IdempotencyKey.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[
                    :batch_size
                ]
            )
            if not ids:
                break
            deleted, _ = IdempotencyKey.objects.filter(pk__in=ids, expires_at__lte=now).delete()
            total += deleted
        self.stdout.write(f"Deleted {total} expired idempotency key(s).")
