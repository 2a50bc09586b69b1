"""The roster as one streamed CSV: PostgreSQL formats the rows, we pass the bytes through.

`COPY (SELECT …) TO STDOUT` streams from the server in blocks, so memory stays
flat whatever the number of rows and the cost per row is close to COPY itself.
The roster goes in batches of consecutive ids (each a range of the primary key, no
sort), all read in one snapshot, so the file is what one SELECT would have given.
Full ID numbers cannot be decrypted in SQL: with the sensitive scope the same
SELECT is read through a server-side cursor instead and only the ID column is
replaced in Python, for students who consented.

Both paths keep to core.privacy (the birth date only beside a full ID number) and to
core.csv_export (formula-leading text escaped): the COPY path in SQL, so it stays streamed."""

import io
from collections.abc import Iterator

from django.db import connections
from django.db.models import CharField, F, Func, QuerySet, Value
from django.db.models.functions import Cast, Coalesce
from psycopg import pq

from accounts.models import WorkerProfile
from core.csv_export import SafeWriter, formula_safe
from core.privacy import shown_identity

BOM = "\ufeff".encode()
COLUMNS = [
    "id",
    "student_number",
    "status",
    "name",
    "phone",
    "id_number",
    "sex",
    "birth_date",
    "occupation",
    "education",
    "programme_id",
    "level",
    "major",
    "intake_id",
    "intake",
    "submitted_at",
    "decided_at",
    "updated_at",
]
# The server-side cursor reads this many rows per round trip on the sensitive path.
FETCH_ROWS = 2000
# Bytes of COPY output passed on at once (memory stays flat: one block at a time).
CHUNK_BYTES = 64 * 1024
# Rows per COPY on the fast path: each batch is one range of the primary key, read in its order
# (a whole roster in one SELECT would be joined by hash and sorted by id: on disk at 1M rows).
BATCH_ROWS = 20_000


class LocalTime(Func):
    """ISO 8601 in Asia/Shanghai, the same text on both paths and in every session time zone."""

    template = "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')"
    output_field = CharField()


def _text(expression):
    return Coalesce(Cast(expression, CharField()), Value(""))


def roster_select(
    queryset: QuerySet, *, with_secret: bool = False, escape_formulas: bool = True, limit: int | None = None
) -> tuple[str, tuple]:
    """SQL and parameters of the export SELECT over an already scoped and filtered queryset.

    Without the secret the birth date is left empty: beside the masked ID number it would
    complete it (core.privacy). `escape_formulas=False` is the bare SELECT the benchmark
    compares against; every export escapes."""
    text = formula_safe if escape_formulas else (lambda expression: expression)
    columns = {
        "c_id": Cast("id", CharField()),
        "c_student_number": text(F("student_number")),
        "c_status": F("status"),
        "c_name": text(F("worker__real_name")),
        "c_phone": text(F("worker__phone")),
        "c_id_number": text(Coalesce(F("worker__profile__id_number_masked"), Value(""))),
        "c_sex": Coalesce(F("worker__profile__sex"), Value("")),
        "c_birth_date": _text("worker__profile__birth_date") if with_secret else Value(""),
        "c_occupation": Coalesce(F("worker__profile__occupation"), Value("")),
        "c_education": Coalesce(F("worker__profile__education"), Value("")),
        "c_programme_id": Cast("offering__programme_id", CharField()),
        "c_level": F("offering__programme__level"),
        "c_major": text(F("offering__programme__major")),
        "c_intake_id": Cast("intake_id", CharField()),
        "c_intake": text(F("intake__name")),
        "c_submitted_at": LocalTime("submitted_at"),
        "c_decided_at": LocalTime("decided_at"),
        "c_updated_at": LocalTime("updated_at"),
    }
    names = list(columns)
    if with_secret:
        columns["c_secret"] = F("worker__profile__id_number_encrypted")
        columns["c_consented"] = F("id_consented")
        names += ["c_secret", "c_consented"]
    queryset = queryset.select_related(None).prefetch_related(None).order_by("id")
    values = queryset.annotate(**columns).values_list(*names)
    if limit is not None:
        values = values[:limit]
    sql, params = values.query.sql_with_params()
    return sql, params


def _header() -> bytes:
    return BOM + (",".join(COLUMNS) + "\n").encode()


class ClientLeft(Exception):
    """The WSGI server closed the response early (the client went away)."""


def stream_copy(queryset: QuerySet) -> Iterator[bytes]:
    """The roster in id order, BATCH_ROWS rows per COPY, each batch after the last id sent.

    The id is the first column of every row and PostgreSQL sends one COPY message per row, so
    the last message of a batch tells where the next one starts."""
    yield _header()
    # The alias the view chose (core.db_router.read_alias_for_stream): the replica or the primary.
    database = connections[queryset.db]
    database.ensure_connection()
    raw = database.connection
    # GeneratorExit is turned into an ordinary exception, so that psycopg cancels the COPY on the
    # server and the transaction (a savepoint inside an outer one) is rolled back: the connection
    # stays usable for the next request.
    try:
        starts_transaction = raw.info.transaction_status == pq.TransactionStatus.IDLE
        with raw.transaction(), raw.cursor() as cursor:
            if starts_transaction:  # inside an outer transaction, its snapshot already holds
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Passing each row through the WSGI layers on its own cost more than COPY itself, so
            # rows are sent in blocks of about CHUNK_BYTES.
            chunk = bytearray()
            after = 0
            while True:
                sql, params = roster_select(queryset.filter(pk__gt=after), limit=BATCH_ROWS)
                rows, last = 0, b""
                with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                    for block in copy:
                        rows += 1
                        last = block
                        chunk += block
                        if len(chunk) < CHUNK_BYTES:
                            continue
                        try:
                            yield bytes(chunk)
                        except GeneratorExit:
                            raise ClientLeft from None
                        chunk.clear()
                if rows < BATCH_ROWS:
                    break
                after = int(bytes(last).split(b",", 1)[0])
            if chunk:
                try:
                    yield bytes(chunk)
                except GeneratorExit:
                    raise ClientLeft from None
    except ClientLeft:
        return


def stream_with_id_numbers(queryset: QuerySet) -> Iterator[bytes]:
    sql, params = roster_select(queryset, with_secret=True)
    yield _header()
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\n")
    id_column = COLUMNS.index("id_number")
    birth_column = COLUMNS.index("birth_date")
    profile = WorkerProfile(id_number_encrypted="")
    # The alias the view chose (core.db_router.read_alias_for_stream): the replica or the primary.
    database = connections[queryset.db]
    database.ensure_connection()
    raw = database.connection
    # A named (server-side) cursor lives in a transaction of its own.
    try:
        with raw.transaction(), raw.cursor(name="roster_export") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(FETCH_ROWS):
                for row in rows:
                    out = list(row[: len(COLUMNS)])
                    profile.id_number_encrypted = row[len(COLUMNS)] or ""
                    profile.id_number_masked, profile.birth_date = out[id_column], out[birth_column]
                    identity = shown_identity(profile, full_allowed=bool(row[len(COLUMNS) + 1]))
                    out[id_column], out[birth_column] = identity.id_number, identity.birth_date or ""
                    writer.writerow(out)
                try:
                    yield buffer.getvalue().encode()
                except GeneratorExit:
                    raise ClientLeft from None
                buffer.seek(0)
                buffer.truncate()
    except ClientLeft:
        return
