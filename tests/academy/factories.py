import datetime as dt
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from academy.models import Enrolment, Intake, Level, Offering, Programme, University
from tests.factories import UserFactory, WorkerProfileFactory


class UniversityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = University
        django_get_or_create = ("code",)

    code = "zjou"
    name = "浙江开放大学"
    short_name = "浙江开大"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    university = factory.SubFactory(UniversityFactory)
    level = Level.ASSOCIATE
    major = factory.Sequence(lambda n: f"电子商务{n}")
    tuition = Decimal("7200.00")
    description = "网店运营与直播电商。"
    study_mode = "晚上和周末直播，随时回放。"


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    name = factory.Sequence(lambda n: f"2027年春季{n}")
    applications_open_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    applications_close_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    starts_on = dt.date(2027, 3, 1)


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    programme = factory.SubFactory(ProgrammeFactory)
    intake = factory.SubFactory(IntakeFactory)
    seat_limit = 30


def worker(**profile_fields):
    """A courier aged 31 with a complete profile (senior high school)."""
    return WorkerProfileFactory(**profile_fields).user


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """An application in the given status, built directly (the actions are tested on their own)."""

    class Meta:
        model = Enrolment

    worker = factory.LazyFunction(worker)
    offering = factory.SubFactory(OfferingFactory)
    intake = factory.SelfAttribute("offering.intake")
    status = Enrolment.Status.SUBMITTED
    draft_step = Enrolment.Step.DONE
    submitted_at = factory.LazyFunction(timezone.now)
    certificate = factory.LazyFunction(lambda: ContentFile(b"\xff\xd8\xffdemo", name="certificate.jpg"))
    certificate_content_type = "image/jpeg"


__all__ = [
    "EnrolmentFactory",
    "IntakeFactory",
    "OfferingFactory",
    "ProgrammeFactory",
    "UserFactory",
    "worker",
]
