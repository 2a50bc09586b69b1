"""Demo: a year of district history behind the dashboard, then its rollups computed once.

The other apps' demo data (seeded before this, core/management/commands/seed_demo.py) is a
handful of people to click through; a dashboard of it would be "<5" everywhere. So this seeds a
year of anonymous demo workers (phones +86 135 0000 0000 upwards, "演示学员…", complete profiles with demo ID numbers):
applications to the academy, subsidy decisions and their instalments, service requests,
street reports (some again and again at the same crossing), 随口说 and 随手帮, enough for every
panel to show figures of 5 and more. The beat task (config/celery.py) keeps the rollups current.

Idempotent: the history is seeded once (its first demo worker is the mark).
"""

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from academy.models import CreditRecord, Enrolment, Intake, Offering, Programme
from accounts import idcard
from accounts.demo import demo_id_number
from accounts.models import Consent, Education, Occupation, Street, User, WorkerProfile
from core import crypto
from core.privacy import masked_id_number
from dashboard.actions import rollups_refresh
from governance.models import Category, Grid, Report
from services.models import Service, ServiceRequest
from subsidies.actions import split_by_study_year
from subsidies.models import ApplicationEvent, Budget, Instalment, Scheme, SubsidyApplication
from voice.models import HelpDeed, HelpRequest, Opinion

WORKERS = 240
FIRST_PHONE = 13500000000
STREETS = (Street.XIXI, Street.JIANGCUN, Street.GUDANG, Street.CUIYUAN, Street.WENXIN, Street.SANDUN)
OCCUPATIONS = (Occupation.COURIER,) * 5 + (Occupation.FOOD_DELIVERY,) * 4 + (Occupation.RIDE_HAILING,)
EDUCATIONS = (Education.JUNIOR_HIGH,) * 2 + (Education.SENIOR_HIGH,) * 5 + (Education.ASSOCIATE,) * 2
# Crossings where the same problem is reported again and again (category code, lat, lng): the
# centres of squares of governance.selectors.report_hotspot_rollup, so the jitter stays inside.
HOTSPOTS = (("road", 30.284, 120.096), ("facility", 30.290, 120.130), ("road", 30.272, 120.064))
# Approvals stop well before the demo budget would run out (it is shared with the subsidies demo).
APPROVALS = 50


def seed(*, stdout) -> None:
    if not User.objects.filter(phone=f"+86{FIRST_PHONE}").exists():
        counts = _history()
        stdout.write(
            "  dashboard: a year of district history: "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
        )
    run = rollups_refresh(full=True)
    stdout.write(f"  dashboard: {run.rows} rollup rows (refreshed every 5 minutes by the beat)")


def _moment(rng: random.Random, today: dt.date, *, days_back: int) -> dt.datetime:
    day = today - dt.timedelta(days=rng.randint(5, days_back))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 20), rng.randint(0, 59))))


def _after_working_days(moment: dt.datetime, days: int, rng: random.Random) -> dt.datetime:
    later = moment
    while days > 0:
        later += dt.timedelta(days=1)
        if later.weekday() < 5:
            days -= 1
    return later + dt.timedelta(hours=rng.randint(0, 3))


@transaction.atomic
def _history() -> dict[str, int]:
    rng = random.Random(22)
    today = timezone.localdate()
    now = timezone.now()
    people = [
        User(phone=f"+86{FIRST_PHONE + index}", real_name=f"演示学员{index + 1}") for index in range(WORKERS)
    ]
    for person in people:
        person.set_unusable_password()  # they never log in: the history is all they are
    users = User.objects.bulk_create(people)
    births = [dt.date(rng.randint(1972, 2005), rng.randint(1, 12), rng.randint(1, 28)) for _user in users]
    # Complete profiles, as an application needs: an ID number (a demo one, of region 330110, which
    # the named demo workers do not use) under the same consent as anyone's.
    numbers = [
        demo_id_number("330110", born.strftime("%Y%m%d"), f"{index:03d}") for index, born in enumerate(births)
    ]
    WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=user,
                occupation=rng.choice(OCCUPATIONS),
                platform="演示平台",
                street=rng.choice(STREETS),
                months_in_trade=rng.randint(6, 96),
                education=rng.choice(EDUCATIONS),
                birth_date=born,
                sex=idcard.sex_of(number),
                id_number_encrypted=crypto.encrypt(number),
                id_number_hash=crypto.lookup_hash(number),
                id_number_masked=masked_id_number(number),
            )
            for user, born, number in zip(users, births, numbers, strict=True)
        ]
    )
    Consent.objects.bulk_create(
        Consent(
            user=user,
            purpose=Consent.Purpose.SENSITIVE_DATA,
            notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
        )
        for user in users
    )
    profiles = {profile.user_id: profile for profile in WorkerProfile.objects.filter(user__in=users)}

    # The academy: two intakes of the past year, one programme of the academy demo.
    programme = Programme.objects.order_by("pk").first()
    if programme is None:
        return {}
    intakes = []
    for name, starts in (
        ("2025年秋季", dt.date(today.year - 1, 9, 1)),
        ("2026年春季", dt.date(today.year, 3, 1)),
    ):
        opens = timezone.make_aware(dt.datetime.combine(starts - dt.timedelta(days=120), dt.time()))
        intake, _created = Intake.objects.get_or_create(
            name=name,
            defaults={
                "applications_open_at": opens,
                "applications_close_at": opens + dt.timedelta(days=90),
                "starts_on": starts,
            },
        )
        intakes.append(intake)
    offerings = [
        Offering.objects.get_or_create(programme=programme, intake=intake, defaults={"seat_limit": 500})[0]
        for intake in intakes
    ]
    Status = Enrolment.Status
    statuses = (
        [Status.SUBMITTED] * 2
        + [Status.ADMITTED] * 4
        + [Status.ENROLLED] * 7
        + [Status.COMPLETED]
        + [Status.WITHDRAWN] * 2
        + [Status.REJECTED]
    )
    enrolments = []
    for index, user in enumerate(users):
        offering = offerings[index % 2]
        status = rng.choice(statuses)
        enrolments.append(
            Enrolment(
                worker=user,
                offering=offering,
                intake=offering.intake,
                status=status,
                draft_step=Enrolment.Step.DONE,
                submitted_at=_moment(rng, today, days_back=360),
                student_number=f"DEMO{index:05d}" if status in (Status.ENROLLED, Status.COMPLETED) else "",
            )
        )
    Enrolment.objects.bulk_create(enrolments)
    studying = [e for e in enrolments if e.status in (Status.ENROLLED, Status.COMPLETED)]
    credited = [e for e in studying if rng.random() < 0.7]
    CreditRecord.objects.bulk_create(
        [
            CreditRecord(
                enrolment=e, study_year=1, credits=Decimal(rng.randint(20, 40)), recorded_role="staff"
            )
            for e in credited
        ]
    )

    # Subsidies: applications of those admitted or studying, decided by two different staff.
    scheme = Scheme.objects.order_by("-year", "pk").first()
    staff = list(User.objects.filter(is_staff=True).order_by("pk")[:2])
    applications, instalments = [], []
    approved_total = paid_total = Decimal(0)
    if scheme is not None and len(staff) == 2:
        scheme.intakes.add(*intakes)
        budget = Budget.objects.get(scheme=scheme)
        room = budget.total - budget.committed
        candidates = [
            e for e in enrolments if e.status in (Status.ADMITTED, Status.ENROLLED, Status.COMPLETED)
        ]
        approvals = 0
        for enrolment in candidates[:90]:
            amount = min(programme.tuition, scheme.default_cap)
            assert enrolment.submitted_at is not None
            submitted: dt.datetime = enrolment.submitted_at + dt.timedelta(days=rng.randint(3, 20))
            if submitted > now:
                continue
            check_at = submitted + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
            decide_at = check_at + dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8))
            checked: dt.datetime | None = check_at
            decided: dt.datetime | None = decide_at
            in_time = decide_at <= now
            roll = rng.random()
            decision: str = SubsidyApplication.Status.CHECKED
            if roll < 0.1 or check_at > now:
                decision, checked, decided = SubsidyApplication.Status.SUBMITTED, None, None
            elif roll < 0.2 or not in_time:
                decided = None
            elif roll < 0.32:
                decision = SubsidyApplication.Status.REJECTED
            elif approvals < APPROVALS and approved_total + amount <= room:
                decision = SubsidyApplication.Status.APPROVED
                approvals += 1
                approved_total += amount
            else:
                decided = None
            applications.append(
                SubsidyApplication(
                    enrolment=enrolment,
                    applicant_id=enrolment.worker_id,
                    scheme=scheme,
                    status=decision,
                    occupation=profiles[enrolment.worker_id].occupation,
                    tuition=programme.tuition,
                    cap=amount,
                    amount=amount,
                    submitted_at=submitted,
                    checked_by=staff[0] if checked else None,
                    checked_at=checked,
                    decided_by=staff[1] if decided else None,
                    decided_at=decided,
                    appeal_used=decision == SubsidyApplication.Status.REJECTED and rng.random() < 0.5,
                )
            )
        SubsidyApplication.objects.bulk_create(applications)
        # Some were returned for more documents once before their check.
        ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(
                    application=application,
                    from_status=SubsidyApplication.Status.SUBMITTED,
                    to_status=SubsidyApplication.Status.RETURNED,
                    actor=staff[0],
                    role="checker",
                    reason="请补充在职证明",
                    created_at=application.checked_at - dt.timedelta(hours=4),
                )
                for application in applications
                if application.checked_at is not None and rng.random() < 0.12
            ]
        )
        credited_ids = {e.pk for e in credited}
        for application in applications:
            if application.status != SubsidyApplication.Status.APPROVED or application.decided_at is None:
                continue
            shares = split_by_study_year(application.amount, programme.duration_years)
            for year, share in enumerate(shares, start=1):
                payable = year == 1 and application.enrolment_id in credited_ids
                paid = payable and rng.random() < 0.8
                paid_on = min(today, (application.decided_at + dt.timedelta(days=rng.randint(10, 40))).date())
                instalments.append(
                    Instalment(
                        application=application,
                        study_year=year,
                        amount=share,
                        status=(
                            Instalment.Status.PAID
                            if paid
                            else Instalment.Status.PAYABLE
                            if payable
                            else Instalment.Status.PENDING
                        ),
                        payable_at=application.decided_at if payable else None,
                        paid_at=now if paid else None,
                        paid_on=paid_on if paid else None,
                        payment_reference=f"PAY{application.pk:06d}-{year}" if paid else "",
                    )
                )
                paid_total += share if paid else 0
        Instalment.objects.bulk_create(instalments)
        Budget.objects.filter(pk=budget.pk).update(
            committed=F("committed") + approved_total, paid=F("paid") + paid_total
        )

    # Services: requests over the year, taken on after 0 to 4 working days, most resolved, rated.
    services = list(Service.objects.exclude(scenario=None).order_by("pk")[:6])
    requests = []
    if services:
        handler = staff[0] if staff else None
        made_at = []
        for index in range(160):
            made = _moment(rng, today, days_back=360)
            made_at.append(made)
            response = _after_working_days(made, rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4)), rng)
            resolved = _after_working_days(response, rng.randint(1, 6), rng)
            done = resolved < now and rng.random() < 0.85
            answered = response < now and handler is not None
            requests.append(
                ServiceRequest(
                    worker=users[index % WORKERS],
                    kind=ServiceRequest.Kind.LEGAL,
                    service=services[index % len(services)],
                    description="演示诉求",
                    status=(
                        ServiceRequest.Status.RESOLVED
                        if done and answered
                        else ServiceRequest.Status.ASSIGNED
                        if answered
                        else ServiceRequest.Status.NEW
                    ),
                    assignee=handler if answered else None,
                    assigned_at=response if answered else None,
                    resolved_at=resolved if done and answered else None,
                    rating=rng.choice((3, 4, 4, 5, 5, 5))
                    if done and answered and rng.random() < 0.7
                    else None,
                )
            )
        ServiceRequest.objects.bulk_create(requests)
        for request, made in zip(requests, made_at, strict=True):
            # created_at is set on insert (auto_now_add): the year's history is written after.
            ServiceRequest.objects.filter(pk=request.pk).update(created_at=made)

    # Street reports: spread over the grids, and again and again at three crossings.
    categories = {c.code: c for c in Category.objects.filter(is_public=True)}
    grids = list(Grid.objects.filter(is_active=True).order_by("pk"))
    reports = []
    if categories and grids:
        spots = [
            (categories.get(code) or next(iter(categories.values())), lat, lng) for code, lat, lng in HOTSPOTS
        ]
        for index in range(220):
            made = _moment(rng, today, days_back=360)
            if index < 45:
                category, lat, lng = spots[index % len(spots)]
                lat += rng.uniform(-0.0003, 0.0003)
                lng += rng.uniform(-0.0003, 0.0003)
            else:
                category = rng.choice(list(categories.values()))
                area = rng.choice(grids)
                lat = rng.uniform(float(area.min_lat), float(area.max_lat))
                lng = rng.uniform(float(area.min_lng), float(area.max_lng))
            grid = next(
                (
                    g
                    for g in grids
                    if g.min_lat <= Decimal(f"{lat:.6f}") <= g.max_lat
                    and g.min_lng <= Decimal(f"{lng:.6f}") <= g.max_lng
                ),
                None,
            )
            resolved = made + dt.timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 12))
            done = resolved < now and rng.random() < 0.8
            reports.append(
                Report(
                    reporter=users[index % WORKERS],
                    category=category,
                    lat=Decimal(f"{lat:.6f}"),
                    lng=Decimal(f"{lng:.6f}"),
                    street=grid.street if grid else "",
                    grid=grid,
                    department=category.department,
                    status=Report.Status.RESOLVED if done else Report.Status.ACCEPTED,
                    created_at=made,
                    updated_at=resolved if done else made,
                    due_at=made + dt.timedelta(hours=category.response_hours or 72),
                    resolved_at=resolved if done else None,
                    reopen_count=1 if done and rng.random() < 0.1 else 0,
                )
            )
        Report.objects.bulk_create(reports)

    # 随口说 and 随手帮.
    topics = list(Opinion.Topic.values)
    opinions = []
    for index in range(80):
        opinion_status = rng.choice(list(Opinion.Status.values))
        opinions.append(
            Opinion(
                worker=users[index % WORKERS],
                text="演示：路口信号灯时间太短",
                topic=topics[min(int(rng.expovariate(0.8)), len(topics) - 1)],
                status=opinion_status,
                department="" if opinion_status == Opinion.Status.SUBMITTED else "区交通局",
                created_at=_moment(rng, today, days_back=360),
            )
        )
    Opinion.objects.bulk_create(opinions)
    deeds = [
        HelpDeed(
            worker=users[index % WORKERS],
            kind=rng.choice(list(HelpDeed.Kind.values)),
            note="演示：送迷路老人回家",
            status=rng.choice((HelpDeed.Status.VERIFIED,) * 4 + (HelpDeed.Status.SUBMITTED,)),
            created_at=_moment(rng, today, days_back=360),
        )
        for index in range(60)
    ]
    HelpDeed.objects.bulk_create(deeds)
    help_requests = []
    if grids and staff:
        for index in range(24):
            posted = _moment(rng, today, days_back=360)
            done = rng.random() < 0.75
            help_requests.append(
                HelpRequest(
                    grid=grids[index % len(grids)],
                    what="演示：帮独居老人搬米上楼",
                    starts_at=posted,
                    ends_at=posted + dt.timedelta(hours=3),
                    posted_by=staff[0],
                    status=HelpRequest.Status.CONFIRMED if done else HelpRequest.Status.CANCELLED,
                    taken_by=users[index % WORKERS] if done else None,
                    taken_at=posted if done else None,
                    done_at=posted + dt.timedelta(hours=2) if done else None,
                    created_at=posted,
                )
            )
        HelpRequest.objects.bulk_create(help_requests)
    return {
        "workers": len(users),
        "applications to the academy": len(enrolments),
        "subsidy applications": len(applications),
        "instalments": len(instalments),
        "service requests": len(requests),
        "street reports": len(reports),
        "opinions": len(opinions),
        "help deeds": len(deeds),
        "help requests": len(help_requests),
    }
