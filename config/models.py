"""Tables owned by the shared API layer. `config` imports no app of the project, so the caller
is named by a principal label (`till:<id>`, `user:<id>`) rather than a foreign key."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` seen on a write and the response it got, kept until it expires.

    The row is inserted in the same transaction as the request's effect, so a committed row
    always carries the response; a retry with the same key replays it.
    """

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    # Half a SHA-256 of the canonical query, half of the canonical body (config/idempotency.py):
    # with method and path below, a reused key must mean the same request.
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2048)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_content_type = models.CharField(max_length=128, blank=True)
    response_body = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "key"], name="idempotency_key_unique_per_principal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class RateLimitCounter(models.Model):
    """Requests counted in one rate-limit window (`<principal>:<seconds>:<window>`).

    Used when the cache cannot increment atomically (the database cache reads, rewrites and
    counts its table: six queries); one `INSERT … ON CONFLICT … count + 1` does it here.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
