"""Every admin changelist and API list that can reach a million rows, at 100k and at 1M rows.

Two databases, each a copy of the migrated one, are seeded in SQL (INSERT … SELECT
generate_series: seconds, not the ORM's minutes) with the same rows, one with SMALL and
one with LARGE workers, each worker with an enrolment, a subsidy application, a grid
report, a service request, a message and two points ledger lines. A gunicorn (2 workers)
serves each database; the requests go over HTTP to both in turns, A B A B, and for every
list (first page, a filtered page, a search) the bench prints T(large) / T(small) (target
<= 1.5) with the number of queries at both sizes (counted in-process; target: equal), then
the EXPLAIN of each list's default query at the large size (every one an index scan).
"""

import datetime as dt
from contextlib import ExitStack
from decimal import Decimal

import requests
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from academy.models import Intake, Offering, Programme, University
from accounts import roles
from accounts.models import User
from bench import harness
from governance.models import Category
from subsidies.models import Budget, Scheme

PHONE = "+86170{:08d}"
SEARCHED = 54_321  # a worker present at both sizes: the search finds one row in each list

# (name, url, {case: query}) — every case is timed at both sizes.
LISTS = [
    (
        "subsidy queue",
        "/admin/subsidies/subsidyapplication/",
        {
            "first page": {},
            "filtered page": {"status__exact": "checked", "occupation": "courier"},
            "search": {"q": PHONE.format(SEARCHED)},
        },
    ),
    (
        "academy applications",
        "/admin/academy/enrolment/",
        {
            "first page": {},
            "filtered page": {"status__exact": "submitted"},
            "search": {"q": PHONE.format(SEARCHED)},
        },
    ),
    (
        "grid reports",
        "/admin/governance/report/",
        {
            "first page": {},
            "filtered page": {"status__exact": "submitted"},
            "search": {"q": f"文三路{SEARCHED}号"},
        },
    ),
    (
        "service requests",
        "/admin/services/servicerequest/",
        {
            "first page": {},
            "filtered page": {"status__exact": "new"},
            "search": {"q": PHONE.format(SEARCHED)},
        },
    ),
    (
        "notifications outbox",
        "/admin/notifications/message/",
        {
            "first page": {},
            "filtered page": {"status__exact": "pending"},
            "search": {"q": PHONE.format(SEARCHED)},
        },
    ),
    (
        "points ledger",
        "/admin/points/pointentry/",
        {
            "first page": {},
            "filtered page": {"reason": "report_accepted", "created_at_month": "__MONTH__"},
            "search": {"q": PHONE.format(SEARCHED)},
        },
    ),
    (
        "Open311 requests.json",
        "/open311/v2/requests.json",
        {
            "first page": {},
            "filtered page": {"status": "open"},
            "search": {"service_code": "__CODE__"},
        },
    ),
]

SEED = """
INSERT INTO accounts_user (password, is_superuser, phone, real_name, email, phone_verified, is_staff,
                           is_active, date_joined)
SELECT '!', false, '+86170' || lpad(n::text, 8, '0'), '工' || n, '', true, false, true,
       now() - n * interval '1 minute'
FROM generate_series(1, %(rows)s) AS n;

INSERT INTO accounts_workerprofile (created_at, updated_at, user_id, occupation, platform, street,
                                    months_in_trade, education, id_number_encrypted, id_number_masked,
                                    birth_date, sex)
SELECT now(), now(), id, (ARRAY['courier', 'food_delivery', 'ride_hailing'])[1 + id %% 3], '顺丰速运',
       'xixi', 24, 'senior_high', '', '330106********' || lpad((id %% 10000)::text, 4, '0'),
       date '1995-03-12', 'male'
FROM accounts_user WHERE phone LIKE '+86170%%';

-- One application in ten is still a draft (no submitted_at): NULLS LAST has rows to sort.
INSERT INTO academy_enrolment (created_at, updated_at, worker_id, offering_id, intake_id, status, draft_step,
                               certificate, certificate_content_type, submitted_at, decision_reason,
                               student_number)
SELECT now(), now(), u.id, (%(offerings)s::bigint[])[1 + u.id %% 4], (%(intakes)s::bigint[])[1 + u.id %% 4],
       (ARRAY['draft', 'submitted', 'admitted', 'rejected', 'submitted'])[1 + u.id %% 5], 4, '', '',
       CASE WHEN u.id %% 5 = 0 THEN NULL ELSE u.date_joined END, '', ''
FROM accounts_user u WHERE u.phone LIKE '+86170%%';

INSERT INTO subsidies_subsidyapplication (created_at, updated_at, enrolment_id, applicant_id, scheme_id,
                                          status, occupation, tuition, cap, amount, employment_proof,
                                          union_proof, submitted_at, reason, appeal_reason, appeal_used)
SELECT now(), now(), e.id, e.worker_id, %(scheme)s,
       (ARRAY['submitted', 'checked', 'approved', 'returned'])[1 + e.id %% 4],
       (ARRAY['courier', 'food_delivery', 'ride_hailing'])[1 + e.id %% 3], 7200, 10000, 7200, '', '',
       coalesce(e.submitted_at, now()), '', '', false
FROM academy_enrolment e JOIN accounts_user u ON u.id = e.worker_id WHERE u.phone LIKE '+86170%%';

INSERT INTO governance_report (client_uuid, description, address, address_id, street, department, media_url,
                               attributes, status, reject_reason, created_at, updated_at, due_at, reopen_count,
                               category_id, reporter_id)
SELECT gen_random_uuid(), '路灯不亮，晚上送件看不清门牌。', '文三路' || (id - %(first_user)s + 1) || '号', '', 'xixi',
       '', '', '{}', (ARRAY['submitted', 'accepted', 'dispatched', 'resolved', 'rejected'])[1 + id %% 5], '',
       date_joined, date_joined, date_joined + interval '3 days', 0,
       (%(categories)s::bigint[])[1 + id %% %(category_count)s], id
FROM accounts_user WHERE phone LIKE '+86170%%';

INSERT INTO services_servicerequest (created_at, updated_at, kind, description, contact_time, status,
                                     assigned_at, reply, rating_comment, worker_id, assignee_id)
SELECT date_joined, date_joined, (ARRAY['legal', 'relief', 'complaint', 'other'])[1 + id %% 4],
       '站点两个月没发工资了，想咨询怎么讨薪。', 'evening',
       (ARRAY['new', 'assigned', 'closed'])[1 + id %% 3],
       CASE WHEN id %% 3 = 1 THEN date_joined END, '', '', id,
       CASE WHEN id %% 3 = 1 THEN %(staff)s END
FROM accounts_user WHERE phone LIKE '+86170%%';

INSERT INTO notifications_message (channel, to_address, kind, subject, body, secret_body, link, status,
                                   attempts, last_error, created_at, recipient_id, provider,
                                   provider_message_id, send_unconfirmed, delivery_status, delivery_error)
SELECT (ARRAY['inbox', 'sms'])[1 + id %% 2], '', 'bench', '申请状态有更新', '您的申请状态有更新。', '', '',
       (ARRAY['sent', 'pending', 'sent', 'failed'])[1 + id %% 4], 1, '', date_joined, id, '', '', false, '', ''
FROM accounts_user WHERE phone LIKE '+86170%%';

-- Two ledger lines a worker: an adjustment and a report's points (the filtered page's reason).
INSERT INTO points_pointentry (user_id, amount, reason, note, source_id, balance_after, created_at)
SELECT id, 5, (ARRAY['adjustment', 'report_accepted'])[1 + k], '', '', 5 * (k + 1),
       date_joined + k * interval '1 second'
FROM accounts_user, generate_series(0, 1) AS k WHERE phone LIKE '+86170%%';

ANALYZE;
"""


def _seed(rows: int) -> tuple[User, str]:
    """Rows in the current database; the superuser who reads the lists and the service code searched."""
    staff = User.objects.create_superuser("+8613700000042", "bench-password", real_name="基准员")
    staff.groups.add(*Group.objects.filter(name__in=[roles.CHECKER]))
    university = University.objects.create(code="bench-lists", name="基准大学", short_name="基准")
    programme = Programme.objects.create(
        university=university,
        level="associate",
        major="电子商务",
        tuition=Decimal("7200.00"),
        description="-",
        study_mode="-",
    )
    now = timezone.now()
    intakes = [
        Intake.objects.create(
            name=f"bench-{number}",
            applications_open_at=now - dt.timedelta(days=30),
            applications_close_at=now + dt.timedelta(days=30),
            starts_on=dt.date(2027, 3, 1) + dt.timedelta(days=number),
        )
        for number in range(4)
    ]
    offerings = [Offering.objects.create(programme=programme, intake=i, seat_limit=10**7) for i in intakes]
    scheme = Scheme.objects.create(name="bench scheme", year=2027)
    Budget.objects.create(scheme=scheme, total=Decimal("9999999999.00"))
    categories = list(Category.objects.filter(is_public=True).order_by("pk").values_list("pk", flat=True))
    first_user = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with connection.cursor() as cursor:
        cursor.execute(
            SEED,
            {
                "rows": rows,
                "offerings": [o.pk for o in offerings],
                "intakes": [i.pk for i in intakes],
                "scheme": scheme.pk,
                "categories": categories,
                "category_count": len(categories),
                "staff": staff.pk,
                "first_user": first_user,
            },
        )
    code = Category.objects.get(pk=categories[0]).code
    return staff, code


def _staff_session(user: User) -> tuple[Client, str]:
    """A test client and a session key of a staff login that passed the password and the second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    request = RequestFactory().get("/")
    request.session = session
    record_authentication(request, user, "password")
    record_authentication(request, user, "mfa", type="totp")
    session.save()
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def _query(params: dict, code: str) -> dict:
    month = timezone.localdate().strftime("%Y-%m")
    stand_ins = {"__CODE__": code, "__MONTH__": month}
    return {key: stand_ins.get(value, value) for key, value in params.items()}


def _count_queries(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
    return len(queries)


def _plans() -> list[str]:
    """EXPLAIN of each admin list's first page as the changelist builds it, at the size now in use."""
    from django.contrib import admin

    from core.admin_tools import explain_changelist

    staff = User.objects.get(phone="+8613700000042")
    lines = []
    for name, url, _cases in LISTS:
        if not url.startswith("/admin/"):
            continue
        app_label, model_name = url.strip("/").split("/")[1:3]
        model_admin = next(
            ma for model, ma in admin.site._registry.items()
            if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
        )  # fmt: skip
        plan = explain_changelist(model_admin, staff, {})
        # The line that reads the list's own table, and any sort: the joins are lookups by key.
        table = model_admin.model._meta.db_table
        shown = [line.strip() for line in plan.splitlines() if f" on {table} " in line or "Sort" in line]
        lines.append(f"{name}: " + " | ".join(shown))
    return lines


def run(*, best_of):
    small_rows, large_rows = harness.sizes()
    small, large = harness.label(small_rows), harness.label(large_rows)
    home = connection.settings_dict["NAME"]
    databases, sessions, counts = {}, {}, {}
    code = ""
    with ExitStack() as stack:
        for size, rows in ((small, small_rows), (large, large_rows)):
            harness.use_database(home)
            databases[size] = stack.enter_context(harness.fresh_database(f"lists_{size}"))
            staff, code = _seed(rows)
            client, sessions[size] = _staff_session(staff)
            for name, url, cases in LISTS:
                for case, params in cases.items():
                    counts[size, name, case] = _count_queries(client, url, _query(params, code))
        plans = _plans()  # the large database is the current one
        results = []
        base_small, _ = stack.enter_context(harness.gunicorn(databases[small]))
        base_large, _ = stack.enter_context(harness.gunicorn(databases[large]))
        https = {}
        for size, base in ((small, base_small), (large, base_large)):
            http = requests.Session()
            http.cookies.set(settings.SESSION_COOKIE_NAME, sessions[size])
            https[size] = (http, base)
        for name, url, cases in LISTS:
            for case, params in cases.items():
                query = _query(params, code)

                def fetch(size: str, url=url, query=query) -> None:
                    http, base = https[size]
                    response = http.get(base + url, params=query, allow_redirects=False, timeout=120)
                    assert response.status_code == 200, (url, query, response.status_code)

                timings = harness.interleave({small: lambda: fetch(small), large: lambda: fetch(large)})
                results.append(
                    (
                        f"{name}, {case}: T({large})/T({small})",
                        harness.ratios(timings[large], timings[small]),
                        f"target ≤ 1.5; {harness.ms(timings[small])} → {harness.ms(timings[large])}; "
                        f"queries {counts[small, name, case]} at {small}, "
                        f"{counts[large, name, case]} at {large} (target: equal)",
                    )
                )
    return results + [(f"EXPLAIN at {large}", None, line) for line in plans]
