"""The read replica (core/db_router.py) on a real primary and streaming replica.

Not collected by the main run (the name does not match test_*.py): tests/replica/test_replica.py
starts a pair (tests/replica_pair.py) and runs this module in a pytest of its own, with
DATABASE_URL on the pair's primary and REPLICA_DATABASE_URL on its standby. The test database
is made on the primary and streamed to the standby; the `replica` alias reads it there.

Which server answered is seen through the data: with replay paused on the standby, a row
committed on the primary is missing from what the replica serves and present in what the
primary serves.
"""

import contextlib
import csv
import io
import time
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from academy.models import Enrolment
from academy.oneroster import ids
from core import db_router
from governance import actions as governance_actions
from tests.factories import StaffFactory
from tests.governance.factories import GridMemberFactory, category, clean_photo
from tests.partner_api import factories
from tests.replica_pair import ReplicaPair
from tests.services.factories import ServiceFactory
from tests.subsidies.factories import SubsidyApplicationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.slow(reason="the first test migrates the pair's new test database"),
]
Status = Enrolment.Status
ROSTER = "/api/v1/enrolments/?page_size=1000"
EXPORT = "/api/v1/enrolments/export.csv"
ONEROSTER_ENROLLMENTS = "/ims/oneroster/rostering/v1p2/enrollments"
OPEN311_REQUESTS = "/open311/v2/requests.json"


@pytest.fixture(scope="session")
def pair() -> ReplicaPair:
    return ReplicaPair.from_env()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, pair):
    """The test database as tests/conftest.py makes it, then the replica alias pointed at its copy.

    settings.py declares the replica a test mirror of the primary (so nothing is created,
    migrated or flushed through it); here it is given back its own server."""
    replica = connections["replica"]
    replica.close()
    replica.settings_dict = {
        **settings.DATABASES["replica"],
        "NAME": connections["default"].settings_dict["NAME"],
    }
    pair.wait_until_replayed()
    yield


@pytest.fixture
def standby(pair):
    """A connection to the standby itself, to pause and resume its replay."""
    conn = psycopg.connect(pair.replica.url(), autocommit=True)
    yield conn
    with contextlib.suppress(psycopg.OperationalError):  # unless the test stopped the standby
        conn.execute("SELECT pg_wal_replay_resume()")
    conn.close()


@pytest.fixture(autouse=True)
def fresh_replica_health(pair, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 60
    pair.wait_until_replayed()
    db_router.forget_replica_health()
    yield
    db_router.forget_replica_health()


def pause_replay(standby) -> None:
    standby.execute("SELECT pg_wal_replay_pause()")
    while standby.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
        time.sleep(0.02)


def roster_ids(client) -> list[int]:
    response = client.get(ROSTER)
    assert response.status_code == 200
    return sorted(row["id"] for row in response.json()["results"])


def roster_statuses(client) -> dict[int, str]:
    response = client.get(ROSTER)
    assert response.status_code == 200
    return {row["id"]: row["status"] for row in response.json()["results"]}


def exported_ids(client) -> list[int]:
    response = client.get(EXPORT)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return sorted(int(row[0]) for row in rows[1:])


def accepted_report(description: str) -> int:
    member = GridMemberFactory().user
    report, _ = governance_actions.report_submit(
        reporter=member, category=category("road"), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], address="龙湖天街东门", description=description,
    )  # fmt: skip
    governance_actions.report_accept(report_id=report.pk, acting_user=StaffFactory(is_superuser=True))
    return report.pk


def open311_ids(client) -> list[str]:
    response = client.get(OPEN311_REQUESTS)
    assert response.status_code == 200
    return sorted(item["service_request_id"] for item in response.json())


def oneroster_ids(client) -> list[str]:
    response = client.get(ONEROSTER_ENROLLMENTS)
    assert response.status_code == 200
    return [record["sourcedId"] for record in response.json()["enrollments"]]


def test_the_replica_alias_is_the_standby_and_the_primary_is_not():
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)


def test_roster_list_export_and_hsds_search_are_served_by_the_replica(api_clients, uni_a, standby, pair):
    first = factories.enrolment(uni_a)
    ServiceFactory(name="法律咨询 甲")
    old_report = accepted_report("井盖缺失")
    pair.wait_until_replayed()
    pause_replay(standby)
    second = factories.enrolment(uni_a)  # committed on the primary, not yet on the replica
    ServiceFactory(name="法律咨询 乙")
    new_report = accepted_report("路灯不亮")
    client = api_clients["uni_a_read"]

    assert roster_ids(client) == [first.pk]
    assert exported_ids(client) == [first.pk]
    # With roster:sensitive the export reads through a server-side cursor: on the replica too.
    assert exported_ids(api_clients["uni_a"]) == [first.pk]
    assert oneroster_ids(client) == [ids.encode("enr", first.pk)]
    assert open311_ids(Client()) == [str(old_report)]
    response = client.get("/api/hsds/services?search=法律咨询")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["contents"]] == ["法律咨询 甲"]
    # A read that did not opt in is the primary's: the detail of the row the replica lacks.
    assert client.get(f"/api/v1/enrolments/{second.pk}/").status_code == 200

    standby.execute("SELECT pg_wal_replay_resume()")
    pair.wait_until_replayed()
    assert roster_ids(client) == [first.pk, second.pk]
    assert exported_ids(client) == [first.pk, second.pk]
    assert oneroster_ids(client) == [ids.encode("enr", first.pk), ids.encode("enr", second.pk)]
    assert open311_ids(Client()) == sorted([str(old_report), str(new_report)])


def test_a_client_that_wrote_reads_its_own_write_and_others_read_the_replica(api_clients, uni_a, standby):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    pause_replay(standby)
    writer, other = api_clients["uni_a"], api_clients["uni_a_read"]

    response = writer.patch(f"/api/v1/enrolments/{enrolment.pk}/", {"student_number": "ZJ1"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "enrolled")

    # The writer's token is remembered for READ_YOUR_WRITES_SECONDS: its next reads are the primary's.
    assert roster_statuses(writer) == {enrolment.pk: "enrolled"}
    assert exported_ids(writer) == [enrolment.pk]
    # Another token of the same university did not write: the replica still has the old status.
    assert roster_statuses(other) == {enrolment.pk: "admitted"}


def test_the_budget_dashboard_is_the_replicas_but_for_the_approver_who_just_approved(standby, pair, settings):
    settings.READ_YOUR_WRITES_SECONDS = 2
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    approver, viewer = Client(), Client()
    approver.force_login(StaffFactory(is_superuser=True))
    viewer.force_login(StaffFactory(is_superuser=True))
    time.sleep(2.2)  # logging in wrote (the session): both read the primary until now
    pair.wait_until_replayed()
    pause_replay(standby)

    response = approver.post(
        reverse("admin:subsidies_subsidyapplication_decide"),
        {"ids": str(application.pk), "decision": "approve"},
    )
    assert response.status_code == 302
    dashboard = reverse("admin:subsidies_dashboard")
    assert "¥7,200.00" in approver.get(dashboard).content.decode()  # the primary: committed
    assert "¥7,200.00" not in viewer.get(dashboard).content.decode()  # the replica: not yet


def test_reads_return_to_the_replica_after_the_read_your_writes_window(
    api_clients, uni_a, standby, pair, settings
):
    settings.READ_YOUR_WRITES_SECONDS = 1
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    pair.wait_until_replayed()  # else the pause may come before the enrolment is replayed at all
    pause_replay(standby)
    writer = api_clients["uni_a"]
    writer.patch(f"/api/v1/enrolments/{enrolment.pk}/", {"student_number": "ZJ1"}, format="json")
    assert roster_statuses(writer) == {enrolment.pk: "enrolled"}
    time.sleep(1.5)
    assert roster_statuses(writer) == {enrolment.pk: "admitted"}


def test_a_replica_further_behind_than_the_limit_serves_nothing(api_clients, uni_a, standby, pair, settings):
    first = factories.enrolment(uni_a)
    pair.wait_until_replayed()  # else the pause may come before `first` is replayed
    pause_replay(standby)
    second = factories.enrolment(uni_a)
    client = api_clients["uni_a_read"]
    assert roster_ids(client) == [first.pk]  # within the limit: the replica, a little behind

    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    time.sleep(1)  # the standby has received `second` and not replayed it for a second now
    db_router.forget_replica_health()
    assert roster_ids(client) == [first.pk, second.pk]
    assert exported_ids(client) == [first.pk, second.pk]
    assert db_router._health.usable is False
    assert db_router._health.lag_seconds is not None and db_router._health.lag_seconds > 0.5


# Last: the standby does not come back.
def test_the_replica_stopped_mid_test_reads_fall_back_to_the_primary(api_clients, uni_a, standby, pair):
    first = factories.enrolment(uni_a)
    pair.wait_until_replayed()
    pause_replay(standby)
    second = factories.enrolment(uni_a)
    client = api_clients["uni_a_read"]
    assert roster_ids(client) == [first.pk]  # the replica served, and its health is now cached

    pair.stop_replica()
    # The cached answer still says "usable": the read fails on the replica, the router checks
    # again at once, and the same read runs on the primary: no 500.
    assert roster_ids(client) == [first.pk, second.pk]
    assert db_router._health.usable is False
    assert exported_ids(client) == [first.pk, second.pk]
    response = client.get("/api/hsds/services?search=nothing")
    assert (response.status_code, response.json()["contents"]) == (200, [])
    db_router.forget_replica_health()  # the check itself meets a refused connection
    assert roster_ids(client) == [first.pk, second.pk]
