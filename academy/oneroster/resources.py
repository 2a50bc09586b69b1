"""The six OneRoster 1.2 rostering collections, each a view of the university's own data.

orgs = the university; academicSessions = intakes (terms); courses = programmes;
classes = offerings (a programme in an intake); users = students (workers whose
application the university may see); enrollments = those applications."""

import datetime as dt

from django.db.models import Case, CharField, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat
from django.urls import reverse

from academy.api import selectors
from academy.models import Enrolment, University
from academy.oneroster import ids
from academy.oneroster.query import Field

ACTIVE, TO_BE_DELETED = "active", "tobedeleted"


def stamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _common(prefix: str, **extra: Field) -> dict[str, Field]:
    return {
        "sourcedId": Field("pk", "sourced_id", prefix),
        "status": Field("or_status"),
        "dateLastModified": Field("or_modified", "datetime"),
        **extra,
    }


class Resource:
    plural: str
    singular: str
    prefix: str
    fields: dict[str, Field]
    record_fields: list[str]

    def __init__(self, request, university: University) -> None:
        self.request = request
        self.university = university

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def record(self, obj) -> dict:
        raise NotImplementedError

    def ref(self, resource: str, prefix: str, pk: int, kind: str) -> dict:
        sourced_id = ids.encode(prefix, pk)
        href = self.request.build_absolute_uri(reverse(f"oneroster:{resource}-detail", args=[sourced_id]))
        return {"href": href, "sourcedId": sourced_id, "type": kind}

    def base(self, obj) -> dict:
        return {
            "sourcedId": ids.encode(self.prefix, obj.pk),
            "status": obj.or_status,
            "dateLastModified": stamp(obj.or_modified),
        }


class Orgs(Resource):
    plural, singular, prefix = "orgs", "org", "org"
    fields = _common("org", name=Field("name"), identifier=Field("code"))
    record_fields = [
        "sourcedId",
        "status",
        "dateLastModified",
        "name",
        "type",
        "identifier",
        "parent",
        "children",
    ]

    def queryset(self):
        return University.objects.filter(pk=self.university.pk).annotate(
            or_status=Value(ACTIVE, CharField()), or_modified=F("updated_at")
        )

    def record(self, org):
        return {
            **self.base(org),
            "name": org.name,
            "type": "school",
            "identifier": org.code,
            "parent": None,
            "children": [],
        }


class AcademicSessions(Resource):
    plural, singular, prefix = "academicSessions", "academicSession", "ses"
    fields = _common("ses", title=Field("name"), startDate=Field("starts_on", "date"))
    record_fields = [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "startDate",
        "endDate",
        "parent",
        "children",
        "schoolYear",
    ]

    def queryset(self):
        return selectors.intakes_for_university(university=self.university).annotate(
            or_status=Value(ACTIVE, CharField()), or_modified=F("updated_at")
        )

    def record(self, intake):
        # An intake's classes run a half year from their start (two terms a year).
        end = intake.starts_on + dt.timedelta(days=181)
        return {
            **self.base(intake),
            "title": intake.name,
            "type": "term",
            "startDate": intake.starts_on.isoformat(),
            "endDate": end.isoformat(),
            "parent": None,
            "children": [],
            "schoolYear": str(end.year),
        }


class Courses(Resource):
    plural, singular, prefix = "courses", "course", "crs"
    fields = _common("crs", title=Field("major"), courseCode=Field("or_code"))
    record_fields = [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "schoolYear",
        "courseCode",
        "grades",
        "subjects",
        "org",
    ]

    def queryset(self):
        return selectors.programmes_for_university(university=self.university).annotate(
            or_status=Case(When(is_active=True, then=Value(ACTIVE)), default=Value(TO_BE_DELETED)),
            or_modified=F("updated_at"),
            or_code=Concat("level", Value("-"), "major", output_field=CharField()),
        )

    def record(self, programme):
        return {
            **self.base(programme),
            "title": str(programme),
            "schoolYear": None,
            "courseCode": programme.or_code,
            "grades": [],
            "subjects": [programme.major],
            "org": self.ref("orgs", "org", programme.university_id, "org"),
        }


class Classes(Resource):
    plural, singular, prefix = "classes", "class", "cls"
    fields = _common("cls", title=Field("programme__major"))
    record_fields = [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "classCode",
        "classType",
        "location",
        "grades",
        "subjects",
        "course",
        "school",
        "terms",
    ]

    def queryset(self):
        return selectors.offerings_for_university(university=self.university).annotate(
            or_status=Value(ACTIVE, CharField()), or_modified=F("updated_at")
        )

    def record(self, offering):
        return {
            **self.base(offering),
            "title": f"{offering.programme} · {offering.intake.name}",
            "classCode": f"{offering.programme.level}-{offering.programme.major}-{offering.intake.name}",
            "classType": "scheduled",
            "location": "",
            "grades": [],
            "subjects": [offering.programme.major],
            "course": self.ref("courses", "crs", offering.programme_id, "course"),
            "school": self.ref("orgs", "org", self.university.pk, "org"),
            "terms": [self.ref("academicSessions", "ses", offering.intake_id, "academicSession")],
        }


class Users(Resource):
    plural, singular, prefix = "users", "user", "usr"
    fields = _common("usr", identifier=Field("or_identifier"), email=Field("email"))
    record_fields = [
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "roles",
        "identifier",
        "email",
        "sms",
        "phone",
        "agents",
        "grades",
    ]

    def queryset(self):
        own = selectors.visible_enrolments(university=self.university).filter(worker=OuterRef("pk"))
        return selectors.students_for_university(university=self.university).annotate(
            or_status=Value(ACTIVE, CharField()),
            or_modified=Subquery(
                own.order_by().values("worker").annotate(last=Max("updated_at")).values("last")[:1]
            ),
            or_identifier=Subquery(
                own.exclude(student_number="").order_by("pk").values("student_number")[:1]
            ),
        )

    def record(self, user):
        name = user.real_name or ""
        number = user.or_identifier or ""
        return {
            **self.base(user),
            "enabledUser": True,
            "username": number or ids.encode(self.prefix, user.pk),
            "userIds": [{"type": "studentNumber", "identifier": number}] if number else [],
            "givenName": name[1:] or name,
            "familyName": name[:1],
            "middleName": None,
            "roles": [
                {
                    "roleType": "primary",
                    "role": "student",
                    "org": self.ref("orgs", "org", self.university.pk, "org"),
                }
            ],
            "identifier": number,
            "email": user.email or "",
            "sms": user.phone,
            "phone": user.phone,
            "agents": [],
            "grades": [],
        }


class Enrollments(Resource):
    plural, singular, prefix = "enrollments", "enrollment", "enr"
    fields = _common("enr", beginDate=Field("intake__starts_on", "date"))
    record_fields = [
        "sourcedId",
        "status",
        "dateLastModified",
        "role",
        "primary",
        "user",
        "class",
        "school",
        "beginDate",
        "endDate",
    ]

    def queryset(self):
        return selectors.enrolments_for_university(university=self.university).annotate(
            or_status=Case(
                When(Q(status=Enrolment.Status.WITHDRAWN), then=Value(TO_BE_DELETED)), default=Value(ACTIVE)
            ),
            or_modified=F("updated_at"),
        )

    def record(self, enrolment):
        return {
            **self.base(enrolment),
            "role": "student",
            "primary": False,
            "user": self.ref("users", "usr", enrolment.worker_id, "user"),
            "class": self.ref("classes", "cls", enrolment.offering_id, "class"),
            "school": self.ref("orgs", "org", self.university.pk, "org"),
            "beginDate": enrolment.intake.starts_on.isoformat(),
            "endDate": None,
        }


RESOURCES = [Orgs, AcademicSessions, Courses, Classes, Users, Enrollments]
