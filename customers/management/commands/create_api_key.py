"""Issue a bearer API key for a till or a staff user; the key is printed once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.models import ApiKey, Till, TillAccessGroup


class Command(BaseCommand):
    help = "Issue an API key (printed once) for --till CODE or --user USERNAME."

    def add_arguments(self, parser):
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--till")
        owner.add_argument("--user")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--scope", help="access group code narrowing the key (e.g. read_only)", default=""
        )
        parser.add_argument("--expires-days", type=int, help="days until the key expires")

    def handle(self, *args, till=None, user=None, name="", scope="", expires_days=None, **options):
        extra = {}
        if scope:
            extra["scope"] = TillAccessGroup.objects.filter(code=scope).first()
            if extra["scope"] is None:
                raise CommandError(f"No access group {scope!r}.")
        if expires_days is not None:
            extra["expires_at"] = timezone.now() + timedelta(days=expires_days)
        if till:
            owner = Till.objects.filter(code=till).first()
            if owner is None:
                raise CommandError(f"No till {till!r}.")
            _, raw_key = ApiKey.issue(till=owner, name=name, **extra)
        else:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user {user!r}.")
            _, raw_key = ApiKey.issue(user=owner, name=name, **extra)
        self.stdout.write(raw_key)
