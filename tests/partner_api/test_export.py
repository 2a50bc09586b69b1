"""GET /api/v1/enrolments/export.csv: the whole filtered roster, streamed, UTF-8 with BOM."""

import csv
import io
import tracemalloc

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.urls import resolve
from rest_framework.test import APIRequestFactory

from academy.api.export import COLUMNS
from academy.models import Enrolment, Programme
from accounts.models import User
from tests.csv_safety import ESCAPED, INJECTION, formula_cells
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/enrolments/export.csv"


def rows_of(response) -> list[list[str]]:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_is_a_utf8_bom_csv_of_the_filtered_roster_with_masked_ids(api_clients, uni_a, uni_b):
    mine = factories.enrolment(uni_a)
    mine.worker.real_name = '欧阳, "小"明'
    mine.worker.save(update_fields=["real_name"])
    factories.enrolment(uni_a, status=Enrolment.Status.ADMITTED)
    factories.enrolment(uni_b)
    response = api_clients["uni_a_read"].get(URL + "?status=enrolled")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="roster.csv"'
    assert response.streaming
    header, *rows = rows_of(response)
    assert header == COLUMNS
    assert len(rows) == 1
    record = dict(zip(COLUMNS, rows[0], strict=True))
    profile = mine.worker.profile
    assert record["id"] == str(mine.pk)
    assert record["name"] == '欧阳, "小"明'
    assert record["id_number"] == profile.id_number_masked
    assert record["major"] == mine.offering.programme.major
    assert record["decided_at"] == ""
    assert record["birth_date"] == ""  # beside a masked number it would complete it
    assert record["submitted_at"].endswith("+08:00")


def test_format_csv_on_the_list_is_the_same_export(api_clients, uni_a):
    factories.enrolment(uni_a)
    by_path = rows_of(api_clients["uni_a_read"].get(URL))
    by_format = rows_of(api_clients["uni_a_read"].get("/api/v1/enrolments/?format=csv"))
    by_accept = rows_of(api_clients["uni_a_read"].get("/api/v1/enrolments/", HTTP_ACCEPT="text/csv"))
    assert by_path == by_format == by_accept


def test_sensitive_export_shows_full_ids_only_for_consenting_students(api_clients, uni_a):
    consented = factories.enrolment(uni_a, consent=True)
    private = factories.enrolment(uni_a)
    full_rows = {row[0]: row for row in rows_of(api_clients["uni_a"].get(URL))[1:]}
    masked_rows = {row[0]: row for row in rows_of(api_clients["uni_a_read"].get(URL))[1:]}
    id_column = COLUMNS.index("id_number")
    assert full_rows[str(consented.pk)][id_column] == consented.worker.profile.id_number()
    assert full_rows[str(private.pk)][id_column] == private.worker.profile.id_number_masked
    assert masked_rows[str(consented.pk)][id_column] == consented.worker.profile.id_number_masked
    birth_column = COLUMNS.index("birth_date")
    # The birth date only beside the full number (core.privacy), never beside a masked one.
    assert full_rows[str(consented.pk)][birth_column] == str(consented.worker.profile.birth_date)
    assert full_rows[str(private.pk)][birth_column] == ""
    assert masked_rows[str(consented.pk)][birth_column] == ""

    # Apart from the ID number and birth date both paths write the same bytes for the same rows.
    def without_identity(row):
        return [cell for index, cell in enumerate(row) if index not in (id_column, birth_column)]

    for key, row in full_rows.items():
        assert without_identity(row) == without_identity(masked_rows[key])


@pytest.mark.parametrize(
    "client_name, status", [("anonymous", 401), ("expired", 401), ("uni_a_no_scope", 403)]
)
def test_export_permissions(api_clients, uni_a, client_name, status):
    factories.enrolment(uni_a)
    assert api_clients[client_name].get(URL).status_code == status


def streamed(token: str):
    """The export response straight from the view, as a WSGI server gets it (the test client
    would wrap the stream and close the test's own connection when the response is closed)."""
    request = APIRequestFactory().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    return resolve(URL).func(request)


def server_closes(response) -> None:
    """What the WSGI server does when the body is sent or the client went away."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def seed_roster(uni, count: int) -> None:
    """`count` enrolled students of `uni` in one offering, written with COPY-speed SQL."""
    offering = factories.enrolment(uni).offering
    template = Enrolment.objects.get(offering=offering)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH users AS (
                INSERT INTO accounts_user (password, is_superuser, phone, real_name, email,
                                           phone_verified, is_staff, is_active, date_joined)
                SELECT '!', false, '+8615' || lpad(n::text, 9, '0'), '学员' || n, '', true, false, true, now()
                FROM generate_series(1, %(count)s) AS n
                RETURNING id
            )
            INSERT INTO academy_enrolment (created_at, updated_at, worker_id, offering_id, intake_id,
                                           status, draft_step, certificate, certificate_content_type,
                                           submitted_at, decision_reason, student_number)
            SELECT now(), now(), users.id, %(offering)s, %(intake)s, 'enrolled', 4, '', '', now(), '',
                   'S' || users.id
            FROM users
            """,
            {"count": count - 1, "offering": offering.pk, "intake": template.intake_id},
        )
        # Statistics, as autovacuum keeps them on a live server: without them PostgreSQL 18 plans
        # the export's joins as nested loops over whole tables (minutes at this size).
        cursor.execute("ANALYZE accounts_user, accounts_workerprofile, academy_enrolment")


def lines(chunks, sizes: list[int]):
    """The CSV lines of a byte stream, decoded as they come, keeping nothing but the current line."""
    pending = ""
    for chunk in chunks:
        sizes.append(len(chunk))
        pending += chunk.decode("utf-8")
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def test_50000_rows_stream_and_round_trip(uni_a, client_a):
    seed_roster(uni_a, 50_000)
    response = streamed(factories.token_for(client_a.application, "roster:read"))
    chunks = iter(response.streaming_content)
    try:
        check_stream(chunks)
    finally:
        server_closes(response)


def check_stream(chunks) -> None:
    header = next(chunks)
    assert header == b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\n"
    first_rows = next(chunks)  # the first block of rows, while the rest is still to be read
    assert first_rows.split(b",", 1)[0].isdigit()
    sizes: list[int] = [len(first_rows)]
    tracemalloc.start()
    reader = csv.reader(lines(chunks, sizes))
    count, ids = 0, set()
    for row in reader:
        assert len(row) == len(COLUMNS)
        assert row[2] == "enrolled"
        ids.add(row[0])
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = sum(sizes)
    assert count == 50_000 - first_rows.count(b"\n")  # the first block's rows were read above
    assert len(sizes) > 100 and max(sizes) < 256 * 1024  # many small blocks, not one file
    assert sizes[0] < total / 100  # the first rows came when less than 1 % of the roster had been sent
    # Reading the whole roster held no more than a few blocks at once (ids set aside).
    assert peak < 12 * 1024 * 1024 and total > 5 * 1024 * 1024


@pytest.mark.parametrize("scope", ["roster:read", "roster:read roster:sensitive"])
def test_a_client_leaving_mid_stream_cancels_and_the_connection_stays_usable(uni_a, client_a, scope):
    seed_roster(uni_a, 20_000)
    response = streamed(factories.token_for(client_a.application, scope))
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    server_closes(response)
    assert Enrolment.objects.count() == 20_000


def test_errors_of_the_export_are_json_even_when_csv_was_asked_for(api_clients):
    response = api_clients["anonymous"].get(URL, HTTP_ACCEPT="text/csv")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "身份认证信息未提供。", "extra": {}}
    bad = api_clients["uni_a"].get(URL + "?status=draft")
    assert bad.status_code == 400
    assert bad.json() == {
        "message": "输入有误：请查看“extra”中列出的字段。",
        "extra": {"fields": {"status": ["“draft”不在可选项中，请从列表中选择。"]}},
    }


@pytest.mark.parametrize("client_name", ["uni_a_read", "uni_a"])  # the COPY path and the sensitive path
@pytest.mark.parametrize("url", [URL, "/api/v1/enrolments/?format=csv"])
def test_cells_a_spreadsheet_would_run_are_escaped_on_both_paths(api_clients, uni_a, client_name, url):
    row = factories.enrolment(uni_a, consent=True)
    User.objects.filter(pk=row.worker_id).update(real_name=INJECTION)
    Enrolment.objects.filter(pk=row.pk).update(student_number="-2+3")
    Programme.objects.filter(pk=row.offering.programme_id).update(major="@SUM(A1)")
    row.intake.name = "\t=1+1"
    row.intake.save(update_fields=["name"])
    rows = rows_of(api_clients[client_name].get(url))
    record = dict(zip(COLUMNS, rows[1], strict=True))
    assert (record["name"], record["student_number"], record["major"], record["intake"]) == (
        ESCAPED,
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1+1",
    )
    # A phone number starts with +: still readable, as text.
    assert record["phone"] == "'" + row.worker.phone
    assert formula_cells(rows) == []
