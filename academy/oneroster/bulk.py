"""The OneRoster 1.2 CSV binding (1.2.1): a zip of manifest.csv and one file per record type.

Bulk mode is the whole roster, with status and dateLastModified blank (the
binding requires them blank in bulk); delta mode is what changed after a moment,
with both filled, records to be deleted included. A file without rows is left out
and named `absent` in the manifest (the binding forbids a header-only file), so
the manifest is written last. The zip is streamed: each member is written through
`zipfile` into a buffer that is handed on and emptied as it fills, and the rows come
from a server-side cursor, so memory stays flat whatever the roster's size."""

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator

from django.db.models import Q

from academy.models import University
from academy.oneroster import ids, query, selectors
from academy.oneroster.resources import CLASS, COURSE, ENROLLMENT, ORG, SESSION, USER, stamp
from core.csv_export import standard_writer

CHUNK = 2000  # rows fetched at a time
ROLE = "rol"  # a student's one role at the university: its sourcedId

# The exact header rows of the binding, in its order (manifest order for the file.* properties).
HEADERS = {
    "academicSessions": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
    ),
    "classes": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
        "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods"
    ),
    "courses": (
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,"
        "subjects,subjectCodes"
    ),
    "demographics": (
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
        "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,"
        "hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,"
        "publicSchoolResidenceStatus"
    ),
    "enrollments": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
        "beginDate,endDate"
    ),
    "orgs": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "roles": (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
        "userProfileSourcedId"
    ),
    "users": (
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
        "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
        "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns"
    ),
}
MANIFEST_FILES = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
]


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken out as they come (zipfile streams to it)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def _rows(university: University, *, demographics: bool, since: dt.datetime | None):
    """(file name, rows) for each file: rows are lists of cells after sourcedId, status, date."""
    school = ids.encode(ORG, university.pk)
    changed = query.changed_after("or_modified", since) if since else Q()
    # Bulk is the roster as it is now: no withdrawn student or application. A closed programme
    # stays, its classes still name it.
    live = Q() if since else Q(or_status=selectors.ACTIVE)

    def each(queryset, record, *, only_live: bool = False):
        condition = changed & live if only_live else changed
        for obj in queryset.filter(condition).order_by("pk").iterator(chunk_size=CHUNK):
            yield [ids.encode(record[0], obj.pk), obj.or_status, obj.or_modified, *record[1](obj)]

    yield (
        "orgs",
        each(selectors.orgs(university=university), (ORG, lambda o: [o.name, o.or_type, o.code, ""])),
    )
    yield (
        "academicSessions",
        each(
            selectors.academic_sessions(university=university),
            (SESSION, lambda s: [s.name, s.or_type, s.starts_on, s.or_ends_on, "", s.or_school_year]),
        ),
    )
    yield (
        "courses",
        each(
            selectors.courses(university=university),
            (COURSE, lambda c: ["", c.or_title, c.or_code, "", school, c.major, ""]),
        ),
    )
    yield (
        "classes",
        each(
            selectors.classes(university=university),
            (
                CLASS,
                lambda c: [
                    c.or_title,
                    "",
                    ids.encode(COURSE, c.programme_id),
                    c.or_code,
                    c.or_class_type,
                    "",
                    school,
                    ids.encode(SESSION, c.intake_id),
                    c.programme.major,
                    "",
                    "",
                ],
            ),
        ),
    )
    users = selectors.users(university=university)

    def user_cells(u):
        user_ids = f"{{{u.or_id_type}:{u.or_identifier}}}" if u.or_identifier else ""
        return [
            u.or_enabled,
            u.or_identifier,
            user_ids,
            u.or_given_name,
            u.or_family_name,
            "",
            u.or_identifier,
        ]

    yield (
        "users",
        each(
            users,
            (USER, lambda u: [*user_cells(u), u.email, u.phone, u.phone, *[""] * 7, school, ""]),
            only_live=True,
        ),
    )
    yield (
        "roles",
        each(
            users,
            (ROLE, lambda u: [ids.encode(USER, u.pk), u.or_role_type, u.or_role, "", "", school, ""]),
            only_live=True,
        ),
    )
    yield (
        "enrollments",
        each(
            selectors.enrollments(university=university),
            (
                ENROLLMENT,
                lambda e: [
                    ids.encode(CLASS, e.offering_id),
                    school,
                    ids.encode(USER, e.worker_id),
                    e.or_role,
                    e.or_primary,
                    e.intake.starts_on,
                    "",
                ],
            ),
            only_live=True,
        ),
    )
    if demographics:
        yield (
            "demographics",
            each(
                selectors.demographics(university=university),
                (USER, lambda d: [d.or_birth_date or "", d.or_sex, *[""] * 11]),
            ),
        )


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        return stamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _csv_lines(rows: Iterable[list], *, delta: bool) -> Iterator[str]:
    out = io.StringIO()
    writer = standard_writer(out)  # RFC 4180, read by the SIS: no spreadsheet escaping
    for row in rows:
        sourced_id, status, modified, *rest = row
        writer.writerow(
            [sourced_id, status if delta else "", _cell(modified) if delta else "", *map(_cell, rest)]
        )
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def zip_stream(
    university: University, *, demographics: bool, since: dt.datetime | None = None
) -> Iterator[bytes]:
    """The zip, piece by piece: bulk without `since`, else delta of what changed after it."""
    pipe = _Pipe()
    mode = "delta" if since else "bulk"
    present: set[str] = set()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in _rows(university, demographics=demographics, since=since):
            lines = _csv_lines(rows, delta=since is not None)
            first = next(lines)
            if not first:  # no rows: the file is absent (a header-only file is not allowed)
                continue
            present.add(name)
            with archive.open(f"{name}.csv", mode="w", force_zip64=True) as member:
                member.write((HEADERS[name] + "\r\n").encode())
                member.write(first.encode())
                yield pipe.take()
                for text in lines:
                    member.write(text.encode())
                    yield pipe.take()
        manifest = io.StringIO()
        writer = standard_writer(manifest)
        writer.writerow(["propertyName", "value"])
        writer.writerow(["manifest.version", "1.0"])
        writer.writerow(["oneroster.version", "1.2"])
        for name in MANIFEST_FILES:
            writer.writerow([f"file.{name}", mode if name in present else "absent"])
        writer.writerow(["source.systemName", "Xiaoge portal"])
        archive.writestr("manifest.csv", manifest.getvalue())
    yield pipe.take()
