"""Seeded data for the dashboard with numbers a test can state exactly (all in March 2026)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from academy.models import CreditRecord, Enrolment
from accounts import roles
from accounts.models import Education, Occupation, Street, WorkerProfile
from deliberation.models import Topic
from governance.models import Report
from services.models import ServiceRequest
from subsidies.models import Budget, Instalment
from tests.academy.factories import EnrolmentFactory, OfferingFactory, worker
from tests.factories import StaffFactory, staff_in
from tests.governance.factories import GridFactory, category, square
from tests.rewards.factories import StockFactory
from tests.services.factories import ScenarioFactory, ServiceFactory
from tests.stations.factories import StationFactory
from tests.subsidies.factories import SubsidyApplicationFactory, admitted_enrolment, scheme_with_budget
from voice.models import HelpDeed, HelpRequest, Opinion

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MARCH = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
PERIOD = {"start": "2026-01", "end": "2026-06"}


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return MARCH + dt.timedelta(days=days, hours=hours)


@pytest.fixture
def seeded(db):
    """The district in March 2026: every panel has a number of 5 or more and one under 5."""
    # Academy: one intake, 7 applicants (couriers of Xixi), reaching 6 / 5 / 4 / 3.
    offering = OfferingFactory(intake__name="2026年春季")
    statuses = ["submitted", "admitted", "enrolled", "enrolled", "completed", "completed", "completed"]
    for index, status in enumerate(statuses):
        enrolment = EnrolmentFactory(
            offering=offering,
            status=status,
            submitted_at=at(index),
            student_number="" if status in ("submitted", "admitted") else f"S{index}",
        )
        if index >= 3:
            CreditRecord.objects.create(
                enrolment=enrolment, study_year=1, credits=Decimal("20"), recorded_role="staff"
            )
    # Ages on applying: two of the seven under 25, one without a birth date; one of junior high.
    couriers = WorkerProfile.objects.filter(user__enrolments__offering=offering)
    young = list(couriers.order_by("pk").values_list("pk", flat=True)[:2])
    WorkerProfile.objects.filter(pk__in=young).update(birth_date=dt.date(2003, 5, 1))
    WorkerProfile.objects.filter(pk=young[0]).update(education=Education.JUNIOR_HIGH)
    # A withdrawn food-delivery rider of Gudang.
    EnrolmentFactory(
        offering=offering,
        status=Enrolment.Status.WITHDRAWN,
        submitted_at=at(1),
        worker=worker(street=Street.GUDANG, occupation=Occupation.FOOD_DELIVERY),
    )

    # Subsidies: 6 applications submitted on 2 March, checked 3 days later, decided 10 days after
    # submission: 5 approved (¥7,200 each), 1 rejected and appealed; one instalment paid in April.
    scheme = scheme_with_budget(total="500000.00")
    submitted = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    applications = []
    for index in range(6):
        enrolment = admitted_enrolment(scheme=scheme, submitted_at=at(-400))
        application = SubsidyApplicationFactory(
            enrolment=enrolment,
            scheme=scheme,
            status="approved" if index < 5 else "rejected",
            appeal_used=index == 5,
            submitted_at=submitted,
            checked_by=StaffFactory(),
            checked_at=submitted + dt.timedelta(days=3),
            decided_by=StaffFactory(),
            decided_at=submitted + dt.timedelta(days=10),
        )
        applications.append(application)
    Budget.objects.filter(scheme=scheme).update(committed=Decimal("36000.00"), paid=Decimal("3600.00"))
    Instalment.objects.create(
        application=applications[0],
        study_year=1,
        amount=Decimal("3600.00"),
        status=Instalment.Status.PAID,
        paid_on=dt.date(2026, 4, 10),
        paid_at=at(31),
        payment_reference="PAY-1",
    )
    # Ahead: study year 1 of four more is payable now (their credits are in), and study year 2 of
    # all five falls due at the end of it (the intake starts on 1 March 2027: in March 2029).
    for index, application in enumerate(applications[:5]):
        if index:
            Instalment.objects.create(
                application=application,
                study_year=1,
                amount=Decimal("3600.00"),
                status=Instalment.Status.PAYABLE,
                payable_at=at(20),
            )
        Instalment.objects.create(application=application, study_year=2, amount=Decimal("3600.00"))

    # Services: 5 legal-aid requests answered in 2 hours, resolved in 48, rated 4,5,5,4,5;
    # 2 relief requests without a service, never answered.
    legal = ServiceFactory(
        scenario=ScenarioFactory(code="legal-aid", name_zh="法律援助", name_en="Legal aid")
    )
    handler = StaffFactory()
    for rating in (4, 5, 5, 4, 5):
        request = ServiceRequest.objects.create(
            worker=worker(),
            kind=ServiceRequest.Kind.LEGAL,
            service=legal,
            description="欠薪",
            status=ServiceRequest.Status.RESOLVED,
            assignee=handler,
            assigned_at=at(hours=2),
            resolved_at=at(hours=48),
            rating=rating,
        )
        ServiceRequest.objects.filter(pk=request.pk).update(created_at=MARCH)
    for _ in range(2):
        request = ServiceRequest.objects.create(
            worker=worker(), kind=ServiceRequest.Kind.RELIEF, description="困难"
        )
        ServiceRequest.objects.filter(pk=request.pk).update(created_at=MARCH)

    # Grid: 6 road reports in grid A (5 resolved after a day, one of them reopened),
    # 2 sanitation reports in grid B.
    grid_a = GridFactory(name="文鼎苑网格", street=Street.JIANGCUN, area=square(30.283, 120.095))
    grid_b = GridFactory(name="西溪网格", street=Street.XIXI, area=square(30.272, 120.063))
    reporter = worker()
    road, sanitation = category("road"), category("sanitation")
    for index in range(6):
        Report.objects.create(
            reporter=reporter,
            category=road,
            grid=grid_a,
            street=Street.JIANGCUN,
            department="城管",
            status=Report.Status.RESOLVED if index < 5 else Report.Status.SUBMITTED,
            created_at=at(index),
            due_at=at(index + 3),
            resolved_at=at(index + 1) if index < 5 else None,
            reopen_count=1 if index == 0 else 0,
            # The same crossing, a few metres apart: one place that keeps being reported.
            lat=Decimal("30.2840") + Decimal("0.0001") * index,
            lng=Decimal("120.0960"),
        )
    for index in range(2):
        Report.objects.create(
            reporter=reporter,
            category=sanitation,
            grid=grid_b,
            street=Street.XIXI,
            department="环卫",
            created_at=at(index),
            due_at=at(index + 3),
            lat=Decimal("30.2720"),
            lng=Decimal("120.0630"),
        )

    # 随口说: 6 on traffic (5 answered, 1 of them adopted), 1 on platform rules, waiting;
    # 随手帮: 6 deeds, 5 verified; 2 requests of grid A, 1 done.
    member = worker()
    for index in range(6):
        Opinion.objects.create(
            worker=member,
            text="路口红绿灯太短",
            topic=Opinion.Topic.TRAFFIC,
            status=Opinion.Status.ADOPTED
            if index == 0
            else Opinion.Status.ANSWERED
            if index < 5
            else "submitted",
            department="" if index == 5 else "交警",
            created_at=at(index),
        )
    Opinion.objects.create(worker=member, text="平台罚款", topic=Opinion.Topic.PLATFORM, created_at=at())
    for index in range(6):
        HelpDeed.objects.create(
            worker=member,
            kind=HelpDeed.Kind.ESCORT,
            note="送迷路老人回家",
            status=HelpDeed.Status.VERIFIED if index < 5 else HelpDeed.Status.SUBMITTED,
            created_at=at(index),
        )
    for index in range(2):
        HelpRequest.objects.create(
            grid=grid_a,
            what="帮独居老人搬米上楼",
            starts_at=at(index),
            ends_at=at(index, hours=3),
            posted_by=handler,
            status=HelpRequest.Status.DONE if index == 0 else HelpRequest.Status.OPEN,
            taken_by=member if index == 0 else None,
            created_at=at(index),
        )

    # Stations: 6 topics raised at station A (2 accepted), 1 at station B; stock 12 and 3.
    lead = staff_in(roles.STATION_STAFF)
    station_a = StationFactory(name="天街驿站", street=Street.JIANGCUN, lead=lead)
    station_b = StationFactory(name="古荡驿站", street=Street.GUDANG)
    raiser = worker()
    for index in range(6):
        Topic.objects.create(
            station=station_a,
            raised_by=raiser,
            title=f"议题{index}",
            description="停车难",
            status=Topic.Status.ACCEPTED if index < 2 else Topic.Status.OPEN,
            created_at=at(index),
        )
    Topic.objects.create(
        station=station_b, raised_by=raiser, title="议题", description="充电", created_at=at()
    )
    StockFactory(station=station_a, quantity=12)
    StockFactory(station=station_b, quantity=3)
    return {"station_a": station_a, "station_b": station_b, "lead": lead, "grid_a": grid_a}


@pytest.fixture
def refreshed(seeded):
    from dashboard.actions import rollups_refresh

    rollups_refresh()
    return seeded


def in_group(name: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def now_march(monkeypatch):
    """Today is 20 March 2026 for the default period."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2026, 3, 20))
