"""Demo data for `make run`: idempotent, refused with DEBUG off unless --force.

The names created here are a contract relied on by tests and documentation: store
`demo.store`, tills `demo.till` / `demo-secret` and `bukl.till` / `bukl-secret`, staff
`agent` / `agent-pass`, `supervisor` / `supervisor-pass`, `admin` / `admin-pass`.
Other apps add their part through `customers.registry.demo_loaders`.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from customers import registry


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo data with DEBUG off; pass --force.")
        # Demo requests would otherwise e-mail their notifications to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for name, load in registry.demo_loaders:
                with transaction.atomic():
                    load(stdout=self.stdout)
                self.stdout.write(f"demo data: {name} ready")
