import time

import pytest
from django.core.cache import cache
from django.test import Client

from notifications.backends import RecordingSMSBackend
from tests import template_db
from tests.factories import log_in_with
from tests.slow_tests import SLOW_FOR_A_REASON


def is_browser_test(item) -> bool:
    return is_browser_test_id(item.nodeid)


def is_browser_test_id(nodeid: str) -> bool:
    return nodeid.startswith("tests/e2e/")


def pytest_collection_modifyitems(items):
    # Browser tests run last (they are the slowest and fail for the most reasons), in one
    # session with the rest so that the database is built and tests collected once.
    items.sort(key=is_browser_test)
    for item in items:
        if item.nodeid in SLOW_FOR_A_REASON:
            item.add_marker(pytest.mark.slow(reason=SLOW_FOR_A_REASON[item.nodeid]))
        marker = item.get_closest_marker("slow")
        if marker is not None and not marker.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.slow needs reason=... (why it stays slow)")


_seconds_by_stage: dict[str, float] = {}
_seconds_by_test: dict[str, float] = {}
_tests_that_say_why_they_are_slow: set[str] = set()

# A test over this (setup, call and teardown together) must say why with
# @pytest.mark.slow(reason=...); the summary names those that do not. It is a report,
# not a failure: a timed test would fail on a busy machine for no fault of the code.
SLOW_TEST_SECONDS = 5.0


def pytest_runtest_logreport(report):
    # On the xdist controller this sees every worker's reports: the time of the two stages.
    stage = "browser (Chromium)" if is_browser_test_id(report.nodeid) else "unit and integration"
    _seconds_by_stage[stage] = _seconds_by_stage.get(stage, 0.0) + report.duration
    _seconds_by_test[report.nodeid] = _seconds_by_test.get(report.nodeid, 0.0) + report.duration
    if "slow" in report.keywords:
        _tests_that_say_why_they_are_slow.add(report.nodeid)


def tests_slow_without_a_reason() -> list[tuple[str, float]]:
    return sorted(
        (
            (nodeid, seconds)
            for nodeid, seconds in _seconds_by_test.items()
            if seconds > SLOW_TEST_SECONDS and nodeid not in _tests_that_say_why_they_are_slow
        ),
        key=lambda pair: -pair[1],
    )


TEMPLATE_STAGE = "test database (migrated template, once)"
STAGES_IN_ORDER = (TEMPLATE_STAGE, "unit and integration", "browser (Chromium)")


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    """With pytest-xdist, the controller builds the migrated template before any worker starts.

    Otherwise every worker waits on the build lock inside its first test's setup, and the
    one-off minute of migrations is counted as the time of whichever tests came first.
    A single process builds it in django_db_setup instead.
    """
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    started = time.monotonic()
    with config.stash[blocking_manager_key].unblock():
        template_db.ensure_template(connection.creation._get_test_db_name())
        connection.close()
    _seconds_by_stage[TEMPLATE_STAGE] = time.monotonic() - started


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput") or not _seconds_by_stage:
        return
    terminalreporter.section("test time per stage (browser and the rest summed over workers)")
    for stage in STAGES_IN_ORDER:
        if stage in _seconds_by_stage:
            terminalreporter.write_line(f"{_seconds_by_stage[stage]:8.1f} s  {stage}")
    unexplained = tests_slow_without_a_reason()
    if unexplained:
        terminalreporter.section(
            f"tests over {SLOW_TEST_SECONDS:.0f} s that do not say why (@pytest.mark.slow(reason=...))"
        )
        for nodeid, seconds in unexplained:
            terminalreporter.write_line(f"{seconds:8.1f} s  {nodeid}")


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """pytest-django's own setup, on a clone of the migrated template (tests/template_db.py).

    keepdb=True makes Django take the clone as it is (its migrate finds nothing to
    apply); the clone is still dropped at the end of the session.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    if any(is_browser_test(item) for item in request.session.items):
        # Browser tests restore the rows of data migrations (staff groups, ...) that earlier
        # transactional tests flushed, from this snapshot (tests/e2e/conftest.py).
        serialized_aliases = {*serialized_aliases, "default"}
    with django_db_blocker.unblock():
        template_db.ensure_template_and_clone(connection.creation._get_test_db_name())
        db_cfg = setup_databases(
            verbosity=0,
            interactive=False,
            keepdb=True,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
        )
    template_db.snapshot = getattr(connection, "_test_serialized_contents", None)
    yield
    with django_db_blocker.unblock():
        _end_other_sessions(connection)
        teardown_databases(db_cfg, verbosity=0, keepdb=False)


def _end_other_sessions(connection) -> None:
    """End what still holds the clone open, so the session's DROP DATABASE can go through.

    A live-server thread's persistent connection (DB_CONN_MAX_AGE) or a stopped subprocess's
    connection can still be closing when the last test ends ("database ... is being accessed by
    other users" at teardown of whichever test came last). The clone is thrown away next.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _isolated_services(settings, tmp_path):
    # Tests record SMS instead of printing them; rate-limit counters start empty;
    # uploads land in a directory of the test's own.
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "notifications.backends.RecordingSMSBackend"
    settings.LANGUAGE_CODE = "zh-hans"
    RecordingSMSBackend.clear()
    cache.clear()
    yield
    RecordingSMSBackend.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """client.force_login(staff) stands for the whole staff login: the password, then the code
    from the authenticator app (accounts/staff_auth.py), so admin opens as it always did in tests.
    The login itself is tested through the real forms (tests/accounts/test_staff_login.py);
    tests.factories.log_in_with(client, user, "password") is a session without the second factor.
    """

    def force_login(client, user, backend=None):
        if user.is_staff or user.is_superuser:
            log_in_with(client, user, "password", "mfa")
        else:
            log_in_with(client, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def sms_outbox() -> list:
    return RecordingSMSBackend.outbox


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone S3 server in its own process, for this session (tests/s3_server.py)."""
    from tests import s3_server as server

    running = server.start()
    yield running
    server.stop(running)


@pytest.fixture
def object_storage(s3_server, settings):
    """Private uploads go to a fresh private bucket of the local S3 server, as PRIVATE_STORAGE=s3 does."""
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_entry(bucket)}
    return bucket
