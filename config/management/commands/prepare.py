"""Everything `make run` does before serving, in one process (a restart is up in seconds).

migrate, create the cache table, load the demo data when DEBUG is on (it is idempotent), and
collect static files when DEBUG is off (with DEBUG on whitenoise serves them from the apps).
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, create the cache table, load demo data (DEBUG) or collect static files."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        if settings.DEBUG:
            call_command("load_demo", stdout=self.stdout)
        else:
            call_command("collectstatic", interactive=False, verbosity=0)
