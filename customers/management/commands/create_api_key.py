"""Issue a bearer API key for a till or a staff user; the key is printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from customers.models import ApiKey, Till


class Command(BaseCommand):
    help = "Issue an API key (printed once) for --till CODE or --user USERNAME."

    def add_arguments(self, parser):
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--till")
        owner.add_argument("--user")
        parser.add_argument("--name", default="")

    def handle(self, *args, till=None, user=None, name="", **options):
        if till:
            owner = Till.objects.filter(code=till).first()
            if owner is None:
                raise CommandError(f"No till {till!r}.")
            _, raw_key = ApiKey.issue(till=owner, name=name)
        else:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user {user!r}.")
            _, raw_key = ApiKey.issue(user=owner, name=name)
        self.stdout.write(raw_key)
