import datetime as dt

import factory

from services.models import (
    Organization,
    Scenario,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtPoint,
    ServicePoint,
    ServiceRequest,
)
from tests.factories import UserFactory


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    code = factory.Sequence(lambda n: f"scenario-{n}")
    order = factory.Sequence(lambda n: n)
    name_zh = factory.Sequence(lambda n: f"场景{n}")
    name_en = factory.Sequence(lambda n: f"Scenario {n}")
    icon = "☕"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"机构{n}")
    description = "为新就业群体服务。"


class PointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"驿站{n}")
    address = "文三路1号"
    latitude = 30.2831
    longitude = 120.0948
    amenities = factory.LazyFunction(list)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    scenario = factory.SubFactory(ScenarioFactory)
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"服务{n}")
    description = "热水、充电和休息。"


class ServiceAtPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceAtPoint

    service = factory.SubFactory(ServiceFactory)
    point = factory.SubFactory(PointFactory)


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    worker = factory.SubFactory(UserFactory)
    kind = ServiceRequest.Kind.LEGAL
    description = "老板拖欠了我两个月的工资，想咨询怎么办。"


def open_daily(point: ServicePoint, opens: str = "00:00", closes: str = "00:00") -> ServicePoint:
    Schedule.objects.bulk_create(
        Schedule(
            point=point,
            weekday=d,
            opens_at=dt.time.fromisoformat(opens),
            closes_at=dt.time.fromisoformat(closes),
        )
        for d in range(7)
    )
    return point


def closed_on(point: ServicePoint, day: dt.date, note: str = "春节") -> ScheduleException:
    return ScheduleException.objects.create(point=point, date=day, closed=True, note=note)
