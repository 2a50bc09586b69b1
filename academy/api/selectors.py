"""The one door through which a partner university reads: every query is scoped to it.

A university sees the applications of its own programmes once they were
admitted (admitted, enrolled, completed, and withdrawn after admission);
undecided and refused applications stay with the academy office. A foreign or
hidden id answers 404, exactly like a missing one."""

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from academy.models import Enrolment, EnrolmentEvent, Intake, Offering, Programme, University
from accounts.models import Consent, User

Status = Enrolment.Status


class _IdConsent(TypedDict):
    id_consented: bool


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a development dependency: annotations only

    # An enrolment as a university reads it: with whether its worker agreed to share the ID number.
    EnrolmentForUniversity = WithAnnotations[Enrolment, _IdConsent]


def _admitted_once() -> Exists:
    return Exists(EnrolmentEvent.objects.filter(enrolment=OuterRef("pk"), to_status=Status.ADMITTED))


def _visible() -> Q:
    return Q(status__in=Enrolment.SEATED) | Q(_admitted_once(), status=Status.WITHDRAWN)


def _id_consent() -> Exists:
    return Exists(
        Consent.objects.filter(
            user=OuterRef("worker_id"),
            purpose=Consent.Purpose.SHARE_ID_WITH_UNIVERSITY,
            withdrawn_at__isnull=True,
        )
    )


def visible_enrolments(*, university: University) -> QuerySet[Enrolment]:
    """The bare scoped queryset (no joins), for subqueries."""
    return Enrolment.objects.filter(_visible(), offering__programme__university=university)


def enrolments_for_university(*, university: University) -> "QuerySet[EnrolmentForUniversity]":
    return (
        visible_enrolments(university=university)
        .select_related("worker__profile", "offering__programme", "intake")
        .annotate(id_consented=_id_consent())
    )


def enrolment_get_for_university(
    *, university: University, enrolment_id: int | str
) -> "EnrolmentForUniversity":
    try:
        return enrolments_for_university(university=university).get(pk=int(enrolment_id))
    except (Enrolment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def programmes_for_university(*, university: University) -> QuerySet[Programme]:
    return Programme.objects.filter(university=university).order_by("pk")


def intakes_for_university(*, university: University) -> QuerySet[Intake]:
    return Intake.objects.filter(offerings__programme__university=university).distinct().order_by("pk")


def offerings_for_university(*, university: University) -> QuerySet[Offering]:
    return Offering.objects.filter(programme__university=university).select_related("programme", "intake")


def students_for_university(*, university: University) -> QuerySet[User]:
    visible = visible_enrolments(university=university).filter(worker=OuterRef("pk"))
    return User.objects.filter(Exists(visible))
