"""The OneRoster 1.2 rostering records, each a view of the university's own data.

orgs = the university (a school); academicSessions = intakes (terms); courses =
programmes; classes = offerings (a programme in an intake); users = students
(workers whose application the university may see); enrollments = those
applications; demographics = what a consenting student's ID number tells.

Records follow the official schemas (additionalProperties false, no nulls): an
optional value we do not have is left out, never null; booleans are the strings
"true"/"false". `fields` maps each filterable name of the record, nested ones
included, to the annotation of academy.oneroster.selectors that prints it."""

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse

from academy.models import University
from academy.oneroster import ids, selectors
from academy.oneroster.query import Field, nested, ref

ORG, SESSION, COURSE, CLASS, USER, ENROLLMENT = "org", "ses", "crs", "cls", "usr", "enr"


# Every property of the official DTypes: `fields` may name any of them (what we lack stays absent).
SPEC_FIELDS = {
    "Orgs": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "name",
        "type",
        "identifier",
        "parent",
        "children",
    ],
    "AcademicSessions": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "title",
        "startDate",
        "endDate",
        "type",
        "parent",
        "children",
        "schoolYear",
    ],
    "Courses": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "title",
        "schoolYear",
        "courseCode",
        "grades",
        "subjects",
        "org",
        "subjectCodes",
        "resources",
    ],
    "Classes": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "title",
        "classCode",
        "classType",
        "location",
        "grades",
        "subjects",
        "course",
        "school",
        "terms",
        "subjectCodes",
        "periods",
        "resources",
    ],
    "Users": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "userMasterIdentifier",
        "username",
        "userIds",
        "enabledUser",
        "givenName",
        "familyName",
        "middleName",
        "preferredFirstName",
        "preferredMiddleName",
        "preferredLastName",
        "pronouns",
        "roles",
        "userProfiles",
        "primaryOrg",
        "identifier",
        "email",
        "sms",
        "phone",
        "agents",
        "grades",
        "password",
        "resources",
    ],
    "Enrollments": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "user",
        "class",
        "school",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ],
    "Demographics": [
        "sourcedId",
        "status",
        "dateLastModified",
        "metadata",
        "birthDate",
        "sex",
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
        "countryOfBirthCode",
        "stateOfBirthAbbreviation",
        "cityOfBirth",
        "publicSchoolResidenceStatus",
    ],
}


def stamp(value: dt.datetime) -> str:
    """UTC with milliseconds, truncated: the precision delta-sync filters compare at (query.MILLISECOND)."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _common(prefix: str, **extra: Field) -> dict[str, Field]:
    return {
        "sourcedId": Field("pk", "sourced_id", prefix),
        "status": Field("or_status"),
        "dateLastModified": Field("or_modified", "datetime"),
        **extra,
    }


def _present(record: dict) -> dict:
    """Optional values we do not have are absent (the schemas allow no null and no empty reference)."""
    return {key: value for key, value in record.items() if value not in (None, "", [])}


class Resource:
    plural: str  # the collection's key in a response, e.g. "orgs" (also for /schools)
    singular: str
    prefix: str
    schema: str  # the official DType, e.g. "OrgDType"
    fields: dict[str, Field]
    record_fields: list[str]  # the names `fields` may select
    required: tuple[str, ...] = ("sourcedId", "status", "dateLastModified")

    def __init__(self, request, university: University) -> None:
        self.request = request
        self.university = university

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def values(self, obj) -> dict:
        raise NotImplementedError

    def record(self, obj) -> dict:
        record = {
            "sourcedId": ids.encode(self.prefix, obj.pk),
            "status": obj.or_status,
            "dateLastModified": stamp(obj.or_modified),
            **self.values(obj),
        }
        kept = _present(record)
        # A required string stays even when empty (e.g. a student with no family name).
        return {key: record[key] for key in record if key in kept or key in self.required}

    def ref(self, resource: str, prefix: str, pk: int, kind: str) -> dict:
        sourced_id = ids.encode(prefix, pk)
        href = self.request.build_absolute_uri(reverse(f"oneroster:{resource}-detail", args=[sourced_id]))
        return {"href": href, "sourcedId": sourced_id, "type": kind}

    def school(self) -> dict:
        return self.ref("orgs", ORG, self.university.pk, "org")


class Orgs(Resource):
    plural, singular, prefix, schema = "orgs", "org", ORG, "OrgDType"
    required = (*Resource.required, "name", "type", "identifier")
    fields = _common(ORG, name=Field("name"), type=Field("or_type"), identifier=Field("code"))
    record_fields = SPEC_FIELDS["Orgs"]

    def queryset(self):
        return selectors.orgs(university=self.university)

    def values(self, org):
        return {"name": org.name, "type": org.or_type, "identifier": org.code}


class AcademicSessions(Resource):
    plural, singular, prefix, schema = "academicSessions", "academicSession", SESSION, "AcademicSessionDType"
    required = (*Resource.required, "title", "startDate", "endDate", "type", "schoolYear")
    fields = _common(
        SESSION,
        title=Field("name"),
        type=Field("or_type"),
        startDate=Field("starts_on", "date"),
        endDate=Field("or_ends_on", "date"),
        schoolYear=Field("or_school_year"),
    )
    record_fields = SPEC_FIELDS["AcademicSessions"]

    def queryset(self):
        return selectors.academic_sessions(university=self.university)

    def values(self, intake):
        return {
            "title": intake.name,
            "type": intake.or_type,
            "startDate": intake.starts_on.isoformat(),
            "endDate": intake.or_ends_on.isoformat(),
            "schoolYear": intake.or_school_year,
        }


class Courses(Resource):
    plural, singular, prefix, schema = "courses", "course", COURSE, "CourseDType"
    required = (*Resource.required, "title", "courseCode")
    fields = _common(
        COURSE,
        title=Field("or_title"),
        courseCode=Field("or_code"),
        subjects=nested("major"),
        **{"org.sourcedId": ref("university_id", ORG)},
    )
    record_fields = SPEC_FIELDS["Courses"]

    def queryset(self):
        return selectors.courses(university=self.university)

    def values(self, programme):
        return {
            "title": programme.or_title,
            "courseCode": programme.or_code,
            "subjects": [programme.major],
            "org": self.ref("orgs", ORG, programme.university_id, "org"),
        }


class Classes(Resource):
    plural, singular, prefix, schema = "classes", "class", CLASS, "ClassDType"
    required = (*Resource.required, "title", "course", "school", "terms")
    fields = _common(
        CLASS,
        title=Field("or_title"),
        classCode=Field("or_code"),
        classType=Field("or_class_type"),
        subjects=nested("programme__major"),
        **{
            "course.sourcedId": ref("programme_id", COURSE),
            "school.sourcedId": ref("or_school", ORG),
            "terms.sourcedId": ref("intake_id", SESSION),
        },
    )
    record_fields = SPEC_FIELDS["Classes"]

    def queryset(self):
        return selectors.classes(university=self.university)

    def values(self, offering):
        return {
            "title": offering.or_title,
            "classCode": offering.or_code,
            "classType": offering.or_class_type,
            "subjects": [offering.programme.major],
            "course": self.ref("courses", COURSE, offering.programme_id, "course"),
            "school": self.school(),
            "terms": [self.ref("academicSessions", SESSION, offering.intake_id, "academicSession")],
        }


class Users(Resource):
    plural, singular, prefix, schema = "users", "user", USER, "UserDType"
    required = (*Resource.required, "enabledUser", "givenName", "familyName", "roles")
    fields = _common(
        USER,
        enabledUser=Field("or_enabled"),
        username=Field("or_identifier"),
        givenName=Field("or_given_name"),
        familyName=Field("or_family_name"),
        identifier=Field("or_identifier"),
        email=Field("email"),
        sms=Field("phone"),
        phone=Field("phone"),
        **{
            "userIds.type": nested("or_id_type"),
            "userIds.identifier": nested("or_identifier"),
            "roles.role": nested("or_role"),
            "roles.roleType": nested("or_role_type"),
            "roles.org.sourcedId": ref("or_org", ORG),
        },
    )
    record_fields = SPEC_FIELDS["Users"]

    def queryset(self):
        return selectors.users(university=self.university)

    def values(self, user):
        number = user.or_identifier
        return {
            "enabledUser": user.or_enabled,
            "username": user.or_identifier,
            "userIds": [{"type": user.or_id_type, "identifier": number}] if number else [],
            "givenName": user.or_given_name,
            "familyName": user.or_family_name,
            "roles": [{"roleType": user.or_role_type, "role": user.or_role, "org": self.school()}],
            "identifier": number,
            "email": user.email,
            "sms": user.phone,
            "phone": user.phone,
        }


class Enrollments(Resource):
    plural, singular, prefix, schema = "enrollments", "enrollment", ENROLLMENT, "EnrollmentDType"
    required = (*Resource.required, "user", "class", "school", "role")
    fields = _common(
        ENROLLMENT,
        role=Field("or_role"),
        primary=Field("or_primary"),
        beginDate=Field("intake__starts_on", "date"),
        **{
            "user.sourcedId": ref("worker_id", USER),
            "class.sourcedId": ref("offering_id", CLASS),
            "school.sourcedId": ref("or_school", ORG),
        },
    )
    record_fields = SPEC_FIELDS["Enrollments"]

    def queryset(self):
        return selectors.enrollments(university=self.university)

    def values(self, enrolment):
        return {
            "role": enrolment.or_role,
            "primary": enrolment.or_primary,
            "user": self.ref("users", USER, enrolment.worker_id, "user"),
            "class": self.ref("classes", CLASS, enrolment.offering_id, "class"),
            "school": self.school(),
            "beginDate": enrolment.intake.starts_on.isoformat(),
        }


class Demographics(Resource):
    # The spec: a demographics record's sourcedId is its user's.
    plural, singular, prefix, schema = "demographics", "demographics", USER, "DemographicsDType"
    fields = _common(USER, birthDate=Field("or_birth_date", "date"), sex=Field("or_sex"))
    record_fields = SPEC_FIELDS["Demographics"]

    def queryset(self):
        return selectors.demographics(university=self.university)

    def values(self, user):
        return {
            "birthDate": user.or_birth_date.isoformat() if user.or_birth_date else None,
            "sex": user.or_sex,
        }


RESOURCES = [Orgs, AcademicSessions, Courses, Classes, Users, Enrollments, Demographics]
