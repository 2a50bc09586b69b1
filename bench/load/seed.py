"""The load test's people: the demo data, LOAD_WORKERS more workers, and a logged-in session each.

    python -m bench.load.seed OUT.json COUNT     (bench/load/run.py runs it; Django settings needed)

Workers log in with an SMS code; a load test cannot read codes off phones, so each session is
made here the way a completed code login leaves it (django.test.Client.force_login: the session
row with the user's id and auth hash), signed with the DJANGO_SECRET_KEY that gunicorn also gets.
Every worker is a grid member (so may file reports); every load worker has a profile and one submitted
application to demo university A, so that the universities' rosters have rows to page through.
"""

import json
import sys
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from academy.models import Enrolment, Offering  # noqa: E402
from accounts.models import Education, Occupation, Street, User, WorkerProfile  # noqa: E402
from governance.models import Grid, GridMember  # noqa: E402

# The demo workers with applications (accounts/demo.py, academy/demo.py) log in too.
DEMO_WORKERS = ["+8613800000001", "+8613800000002", "+8613800000003"]
PARTNERS = [{"client_id": "demo-uni-a", "client_secret": "demo-uni-a-secret"}]
FIRST_LOAD_PHONE = 13700000000


@transaction.atomic
def load_workers(count: int) -> list[User]:
    phones = [f"+86{FIRST_LOAD_PHONE + index}" for index in range(count)]
    existing = set(User.objects.filter(phone__in=phones).values_list("phone", flat=True))
    User.objects.bulk_create(
        User(phone=phone, phone_verified=True) for phone in phones if phone not in existing
    )
    users = list(User.objects.filter(phone__in=phones).order_by("phone"))
    with_profile = set(WorkerProfile.objects.filter(user__in=users).values_list("user_id", flat=True))
    WorkerProfile.objects.bulk_create(
        WorkerProfile(
            user=user,
            occupation=Occupation.COURIER if index % 2 else Occupation.FOOD_DELIVERY,
            platform="负载测试",
            street=Street.XIXI,
            months_in_trade=12 + index % 48,
            education=Education.SENIOR_HIGH,
        )
        for index, user in enumerate(users)
        if user.pk not in with_profile
    )
    offering = Offering.objects.filter(programme__university__code="zjou").order_by("pk").first()
    enrolled = set(
        Enrolment.objects.filter(offering=offering, worker__in=users).values_list("worker_id", flat=True)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            worker=user,
            offering=offering,
            intake=offering.intake,
            status=Enrolment.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        for user in users
        if user.pk not in enrolled
    )
    return users


def appoint_grid_members(users: list[User]) -> None:
    """Every load worker may file reports, the demo workers too (in the demo only 13800000001 may)."""
    grid = Grid.objects.order_by("pk").first()
    members = set(GridMember.objects.filter(grid=grid, user__in=users).values_list("user_id", flat=True))
    GridMember.objects.bulk_create(
        GridMember(grid=grid, user=user, starts_on=timezone.localdate())
        for user in users
        if user.pk not in members
    )


def session_of(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main(out: Path, count: int) -> None:
    call_command("seed_demo", verbosity=0)
    workers = [*User.objects.filter(phone__in=DEMO_WORKERS).order_by("phone"), *load_workers(count)]
    appoint_grid_members(workers)
    people = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "workers": [session_of(user) for user in workers],
        "partners": PARTNERS,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(people))
    print(f"seeded {len(workers)} worker sessions and {len(PARTNERS)} partner client(s) into {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
