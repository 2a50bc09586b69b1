"""Demo data for development: idempotent, refused outside demo mode.

Each app may have a `demo.py` with `seed(*, stdout)`; they run in dependency
order, each write in its own action's transaction (the actions are durable, so
no transaction may wrap them). Each seed is idempotent: after a failure, run
the command again.
"""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

APPS_IN_ORDER = [
    "accounts",
    "academy",
    "subsidies",
    "services",
    "governance",
    "stations",
    "delivery",
    "deliberation",
    "events",
    "volunteering",
    "rewards",
    "voice",
    # Last: its rollups sum what the apps above seeded.
    "dashboard",
]


class Command(BaseCommand):
    help = "Load the demo data (idempotent). Only in DEBUG or with XIAOGE_DEMO=1."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only loaded in development (DEBUG) or with XIAOGE_DEMO=1.")
        for app in APPS_IN_ORDER:
            if find_spec(f"{app}.demo") is not None:
                import_module(f"{app}.demo").seed(stdout=self.stdout)
        # Last: the apps above make the demo staff; each gets its second factor.
        import_module("accounts.demo").seed_staff_authenticators(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data is in place (password for all: xiaoge-demo; staff then enter the code"
                " that `make demo-totp` prints)."
            )
        )
