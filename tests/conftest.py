import pytest
from django.core.cache import cache
from django.test import Client

from notifications.backends import RecordingSMSBackend
from tests import template_db
from tests.factories import log_in_with


def is_browser_test(item) -> bool:
    return is_browser_test_id(item.nodeid)


def is_browser_test_id(nodeid: str) -> bool:
    return nodeid.startswith("tests/e2e/")


def pytest_collection_modifyitems(items):
    # Browser tests run last (they are the slowest and fail for the most reasons), in one
    # session with the rest so that the database is built and tests collected once.
    items.sort(key=is_browser_test)


_seconds_by_stage: dict[str, float] = {}


def pytest_runtest_logreport(report):
    # On the xdist controller this sees every worker's reports: the time of the two stages.
    stage = "browser (Chromium)" if is_browser_test_id(report.nodeid) else "unit and integration"
    _seconds_by_stage[stage] = _seconds_by_stage.get(stage, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput") or not _seconds_by_stage:
        return
    terminalreporter.section("test time per stage (summed over workers)")
    for stage, seconds in sorted(
        _seconds_by_stage.items(), key=lambda pair: pair[0] != "unit and integration"
    ):
        terminalreporter.write_line(f"{seconds:8.1f} s  {stage}")


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
        teardown_databases(db_cfg, verbosity=0, keepdb=False)


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
