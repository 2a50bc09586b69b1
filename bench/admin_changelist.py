"""The subsidy changelist at 10,000 and 100,000 applications.

Times the first page, a deep page and a filtered page at both sizes (best of
seven, after a warm-up request) and prints
T(100k) / T(10k) for each (target ≤ 1.5) with the query counts (target: equal).
The capped count (core.admin_tools.CappedCountPaginator) is what keeps the
large table from costing a full COUNT(*) on every page.
"""

from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from academy.models import Enrolment, Intake, Offering, Programme, University
from accounts import roles
from accounts.models import User
from subsidies.models import Budget, Scheme, SubsidyApplication

URL = "/admin/subsidies/subsidyapplication/"
PAGES = {
    "first page": {},
    "deep page": {"p": "150"},
    "filtered page": {"status__exact": "checked", "occupation": "courier"},
}


INTAKES = 4  # a realistic handful: the intake filter in the sidebar must not grow with the table


def _seed(total: int) -> None:
    """Grow the table to `total` applications: INTAKES intakes, total / INTAKES workers in each."""
    have = SubsidyApplication.objects.count()
    if have >= total:
        return
    university, _ = University.objects.get_or_create(
        code="bench", defaults={"name": "Bench U", "short_name": "B"}
    )
    programme, _ = Programme.objects.get_or_create(
        university=university,
        level="associate",
        major="bench",
        defaults={"tuition": Decimal("7200.00"), "description": "-", "study_mode": "-"},
    )
    scheme, _ = Scheme.objects.get_or_create(name="bench scheme", defaults={"year": 2027})
    Budget.objects.get_or_create(scheme=scheme, defaults={"total": Decimal("9999999999.00")})
    now = timezone.now()
    offerings = []
    for number in range(INTAKES):
        intake, _ = Intake.objects.get_or_create(
            name=f"bench-{number}",
            defaults={
                "applications_open_at": now,
                "applications_close_at": now + timezone.timedelta(days=1),
                "starts_on": now.date(),
            },
        )
        offering, _ = Offering.objects.get_or_create(
            programme=programme, intake=intake, defaults={"seat_limit": 10**6}
        )
        offerings.append(offering)
    per_intake = total // INTAKES
    existing = User.objects.filter(phone__startswith="+86170").count()
    User.objects.bulk_create(
        [User(phone=f"+86170{n:08d}", real_name=f"工{n}") for n in range(existing, per_intake)],
        batch_size=5000,
    )
    workers = list(
        User.objects.filter(phone__startswith="+86170").order_by("phone").values_list("pk", flat=True)
    )
    statuses = ["submitted", "checked", "approved", "returned"]
    occupations = ["courier", "food_delivery", "ride_hailing"]
    for offering in offerings:
        done = Enrolment.objects.filter(offering=offering).count()
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    worker_id=worker, offering=offering, intake_id=offering.intake_id, status="admitted"
                )
                for worker in workers[done:per_intake]
            ],
            batch_size=5000,
        )
        SubsidyApplication.objects.bulk_create(
            [
                SubsidyApplication(
                    enrolment=enrolment,
                    applicant_id=enrolment.worker_id,
                    scheme=scheme,
                    status=statuses[i % 4],
                    occupation=occupations[i % 3],
                    tuition=Decimal("7200.00"),
                    cap=Decimal("10000.00"),
                    amount=Decimal("7200.00"),
                    submitted_at=now - timezone.timedelta(seconds=i),
                )
                for i, enrolment in enumerate(enrolments)
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(client: Client, best_of) -> dict[str, tuple[float, int]]:
    results = {}
    for name, params in PAGES.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        count = len(queries)  # read now: the next request resets the connection's query log
        results[name] = (best_of(lambda params=params: client.get(URL, params), repeat=7), count)
    return results


def run(*, best_of):
    checker = User.objects.create_user("13700000042", "bench-password", is_staff=True)
    checker.groups.add(Group.objects.get(name=roles.CHECKER))
    client = Client()
    client.force_login(checker)
    _seed(10_000)
    small = _measure(client, best_of)
    _seed(100_000)
    large = _measure(client, best_of)
    rows = []
    for name in PAGES:
        (t_small, q_small), (t_large, q_large) = small[name], large[name]
        rows.append(
            (
                f"subsidy changelist, {name}: T(100k)/T(10k)",
                t_large / t_small,
                f"target ≤ 1.5; queries {q_small} at 10k, {q_large} at 100k (target: equal); "
                f"{t_small * 1000:.1f} ms → {t_large * 1000:.1f} ms",
            )
        )
    return rows
