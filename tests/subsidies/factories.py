from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from academy.models import Enrolment
from accounts.models import Occupation
from subsidies.models import Budget, OccupationCap, Scheme, SubsidyApplication
from tests.academy.factories import EnrolmentFactory, OfferingFactory, ProgrammeFactory


def scheme_with_budget(*, total="500000.00", intakes=(), **fields) -> Scheme:
    scheme = Scheme.objects.create(
        name=fields.pop("name", f"资助计划{Scheme.objects.count() + 1}"), year=2027, **fields
    )
    scheme.intakes.set(intakes)
    OccupationCap.objects.bulk_create(
        [
            OccupationCap(scheme=scheme, occupation=Occupation.COURIER, cap=Decimal("10000.00")),
            OccupationCap(scheme=scheme, occupation=Occupation.FOOD_DELIVERY, cap=Decimal("10000.00")),
            OccupationCap(
                scheme=scheme, occupation=Occupation.RIDE_HAILING, cap=Decimal("6000.00"), priority=2
            ),
        ]
    )
    Budget.objects.create(scheme=scheme, total=Decimal(total))
    return scheme


def admitted_enrolment(*, tuition="7200.00", scheme=None, **fields) -> Enrolment:
    offering = fields.pop("offering", None) or OfferingFactory(
        programme=ProgrammeFactory(tuition=Decimal(tuition))
    )
    enrolment = EnrolmentFactory(status=Enrolment.Status.ADMITTED, offering=offering, **fields)
    if scheme is not None:
        scheme.intakes.add(enrolment.intake)
    return enrolment


class SubsidyApplicationFactory(factory.django.DjangoModelFactory):
    """An application in the given status, built directly (the actions are tested on their own)."""

    class Meta:
        model = SubsidyApplication

    enrolment = factory.LazyFunction(admitted_enrolment)
    applicant = factory.SelfAttribute("enrolment.worker")
    scheme = factory.LazyAttribute(lambda o: scheme_with_budget(intakes=[o.enrolment.intake]))
    status = SubsidyApplication.Status.SUBMITTED
    occupation = Occupation.COURIER
    tuition = factory.LazyAttribute(lambda o: o.enrolment.offering.programme.tuition)
    cap = Decimal("10000.00")
    amount = factory.LazyAttribute(lambda o: min(o.cap, o.tuition))
    submitted_at = factory.LazyFunction(timezone.now)
    employment_proof = factory.LazyFunction(lambda: ContentFile(b"\xff\xd8\xffproof", name="proof.jpg"))
