"""The OneRoster reads: each collection as one annotated queryset scoped to the calling university.

Every value a record shows that a client may filter or sort on is an annotation
here, computed by PostgreSQL, so that `filter` and `sort` (academy.oneroster.query)
become SQL over the same expression the record prints: a title filtered is the
title returned. The scoping itself is academy.api.selectors, the partner door."""

import datetime as dt

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, ExtractYear, Greatest, Length, Substr

from academy.api import selectors
from academy.models import Enrolment, Intake, Level, Offering, Programme, University
from accounts.models import Consent, User

ACTIVE, TO_BE_DELETED = "active", "tobedeleted"
# An intake's classes run a half year from their start (two terms a year).
TERM_LENGTH = dt.timedelta(days=181)


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _programme_title(prefix: str = "") -> Concat:
    """str(programme) in SQL: 会计（本科）, with the level's label in the active language."""
    level = Case(
        *(When(**{f"{prefix}level": choice.value}, then=_text(str(choice.label))) for choice in Level),
        default=F(f"{prefix}level"),
        output_field=CharField(),
    )
    return Concat(F(f"{prefix}major"), _text("（"), level, _text("）"), output_field=CharField())


def orgs(*, university: University) -> QuerySet[University]:
    return University.objects.filter(pk=university.pk).annotate(
        or_status=_text(ACTIVE), or_type=_text("school"), or_modified=F("updated_at")
    )


def academic_sessions(*, university: University) -> QuerySet[Intake]:
    ends = Cast(F("starts_on") + TERM_LENGTH, DateField())
    return selectors.intakes_for_university(university=university).annotate(
        or_status=_text(ACTIVE),
        or_type=_text("term"),
        or_modified=F("updated_at"),
        or_ends_on=ends,
        or_school_year=Cast(ExtractYear(ends), CharField()),
    )


def courses(*, university: University) -> QuerySet[Programme]:
    return selectors.programmes_for_university(university=university).annotate(
        or_status=Case(When(is_active=True, then=_text(ACTIVE)), default=_text(TO_BE_DELETED)),
        or_modified=F("updated_at"),
        or_title=_programme_title(),
        or_code=Concat("level", _text("-"), "major", output_field=CharField()),
    )


def classes(*, university: University) -> QuerySet[Offering]:
    return selectors.offerings_for_university(university=university).annotate(
        or_status=_text(ACTIVE),
        or_modified=F("updated_at"),
        or_title=Concat(
            _programme_title("programme__"), _text(" · "), "intake__name", output_field=CharField()
        ),
        or_code=Concat(
            "programme__level",
            _text("-"),
            "programme__major",
            _text("-"),
            "intake__name",
            output_field=CharField(),
        ),
        or_class_type=_text("scheduled"),
        or_school=F("programme__university_id"),
    )


def _last_modified(university: University) -> Subquery:
    """A student changes for a university when one of their applications there does."""
    own = selectors.visible_enrolments(university=university).filter(worker=OuterRef("pk"))
    return Subquery(own.order_by().values("worker").annotate(last=Max("updated_at")).values("last")[:1])


def users(*, university: University) -> QuerySet[User]:
    own = selectors.visible_enrolments(university=university).filter(worker=OuterRef("pk"))
    number = Subquery(own.exclude(student_number="").order_by("pk").values("student_number")[:1])
    return (
        selectors.students_for_university(university=university)
        .annotate(
            # A student whose every application here was withdrawn is gone for this university.
            or_status=Case(
                When(Exists(own.exclude(status=Enrolment.Status.WITHDRAWN)), then=_text(ACTIVE)),
                default=_text(TO_BE_DELETED),
            ),
            or_modified=_last_modified(university),
            or_identifier=Coalesce(number, _text("")),
            or_name_length=Length("real_name"),
            or_enabled=_text("true"),
            or_role=_text("student"),
            or_role_type=_text("primary"),
            or_org=Value(university.pk, output_field=IntegerField()),
        )
        .annotate(
            or_id_type=Case(When(or_identifier="", then=_text("")), default=_text("studentNumber")),
            # A Chinese name is family name first: 张伟 is 张 + 伟; one character is a given name only.
            or_family_name=Case(
                When(or_name_length__gt=1, then=Substr("real_name", 1, 1)), default=_text("")
            ),
            or_given_name=Case(
                When(or_name_length__gt=1, then=Substr("real_name", 2)),
                default=F("real_name"),
                output_field=CharField(),
            ),
        )
    )


def enrollments(*, university: University) -> QuerySet[Enrolment]:
    return selectors.enrolments_for_university(university=university).annotate(
        or_status=Case(
            When(status=Enrolment.Status.WITHDRAWN, then=_text(TO_BE_DELETED)), default=_text(ACTIVE)
        ),
        or_modified=F("updated_at"),
        or_role=_text("student"),
        or_primary=_text("false"),
        or_school=F("offering__programme__university_id"),
    )


def demographics(*, university: University) -> QuerySet[User]:
    """The students who agreed that this university may have their ID number (and so what it tells)."""
    consented = Consent.objects.filter(
        user=OuterRef("pk"), purpose=Consent.Purpose.SHARE_ID_WITH_UNIVERSITY, withdrawn_at__isnull=True
    )
    return (
        selectors.students_for_university(university=university)
        .filter(Exists(consented))
        .select_related("profile")
        .annotate(
            or_status=_text(ACTIVE),
            # PostgreSQL's GREATEST skips a NULL (a student without a profile yet).
            or_modified=Greatest(_last_modified(university), F("profile__updated_at")),
            or_birth_date=F("profile__birth_date"),
            or_sex=F("profile__sex"),
        )
    )
