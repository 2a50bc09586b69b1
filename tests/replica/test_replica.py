"""The read replica against a real streaming replica: tests/replica/on_pair.py, run on a pair
of PostgreSQL servers of its own (tests/replica_pair.py).

That module needs DATABASE_URL and REPLICA_DATABASE_URL on the pair when Django starts, so it
runs in a pytest of its own; the outcome of each of its tests is checked here (from its JUnit XML).
Without REPLICA_DATABASE_URL (this run), the router sends every read to the primary.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.db import router

from academy.models import Enrolment
from core import db_router
from tests.replica_pair import ReplicaPair

pytestmark = pytest.mark.slow(reason="starts a primary and a streaming replica, and a pytest on them")

ON_PAIR = "tests/replica/on_pair.py"
ON_PAIR_TESTS = [
    "test_the_replica_alias_is_the_standby_and_the_primary_is_not",
    "test_roster_list_export_and_hsds_search_are_served_by_the_replica",
    "test_a_client_that_wrote_reads_its_own_write_and_others_read_the_replica",
    "test_the_budget_dashboard_is_the_replicas_but_for_the_approver_who_just_approved",
    "test_reads_return_to_the_replica_after_the_read_your_writes_window",
    "test_a_replica_further_behind_than_the_limit_serves_nothing",
    "test_the_replica_stopped_mid_test_reads_fall_back_to_the_primary",
]


def outcomes_of(report: Path) -> tuple[dict[str, str], str]:
    """Each test's outcome in a JUnit XML report, and the text of what failed."""
    outcomes, failures = {}, []
    for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314 (our own pytest's report)
        problem = next(
            (case.find(tag) for tag in ("failure", "error", "skipped") if case.find(tag) is not None), None
        )
        outcomes[case.get("name")] = "passed" if problem is None else problem.tag
        if problem is not None:
            failures.append(f"{case.get('name')}: {problem.get('message')}\n{problem.text}")
    return outcomes, "\n".join(failures)


# One test, not one per test on the pair: under pytest-xdist, tests of one module may land on
# different workers, and each would start a pair of its own.
@pytest.mark.timeout(1200)  # the inner session has 900 s, then the pair is stopped
def test_the_router_on_a_real_streaming_replica(tmp_path):
    report = tmp_path / "junit.xml"
    pair = ReplicaPair().start()
    try:
        # The Redis databases stay this worker's (config/settings_test.py reads PYTEST_XDIST_WORKER).
        env = {**os.environ, **pair.env(f"{settings.DATABASES['default']['TEST']['NAME']}_pair")}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", f"--junitxml={report}", ON_PAIR],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        pair.stop()
    assert report.exists(), f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    outcomes, failures = outcomes_of(report)
    assert outcomes == dict.fromkeys(ON_PAIR_TESTS, "passed"), failures[-8000:]
    assert result.returncode == 0, result.stdout[-4000:]


def test_every_test_on_the_pair_is_listed_here():
    source = (Path(settings.BASE_DIR) / ON_PAIR).read_text()
    defined = [
        line.split("(")[0].removeprefix("def ")
        for line in source.splitlines()
        if line.startswith("def test_")
    ]
    assert defined == ON_PAIR_TESTS


def test_without_a_replica_every_read_and_write_is_the_primarys():
    assert "replica" not in settings.DATABASES
    with db_router.reading_from_replica():
        assert (router.db_for_read(Enrolment), router.db_for_write(Enrolment)) == ("default", "default")
    assert db_router.read_alias_for_stream() == "default"


def boot(code: str, **env_overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; " + code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env_overrides},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_replica_url_adds_the_alias_the_router_and_the_middleware_after_the_sessions():
    result = boot(
        "d = settings.DATABASES['replica']; m = settings.MIDDLEWARE; "
        "print(d['HOST'], d['PORT'], d['NAME'], d['OPTIONS'], d['TEST']['MIRROR'], d['CONN_MAX_AGE']); "
        "print(settings.DATABASE_ROUTERS); "
        "print(m[m.index('django.contrib.sessions.middleware.SessionMiddleware') + 1]); "
        "print(settings.REPLICA_MAX_LAG_SECONDS, settings.REPLICA_CHECK_SECONDS, settings.READ_YOUR_WRITES_SECONDS)",
        REPLICA_DATABASE_URL="postgresql://reader:secret@replica.internal:5433/xiaoge",
        REPLICA_CONNECT_TIMEOUT="3",
        REPLICA_MAX_LAG_SECONDS="1.5",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "replica.internal 5433 xiaoge {'connect_timeout': 3} default 60\n"
        "['core.db_router.ReplicaRouter']\n"
        "core.db_router.ReadYourWritesMiddleware\n"
        "1.5 2.0 10\n"
    )


def test_without_a_replica_url_there_is_no_alias_router_or_middleware():
    result = boot(
        "print(sorted(settings.DATABASES), settings.DATABASE_ROUTERS, "
        "'core.db_router.ReadYourWritesMiddleware' in settings.MIDDLEWARE)",
        REPLICA_DATABASE_URL="",
    )
    assert (result.returncode, result.stdout) == (0, "['default'] [] False\n"), result.stderr


@pytest.mark.parametrize(
    "env, error",
    [
        (
            {"REPLICA_DATABASE_URL": "mysql://reader@replica/xiaoge"},
            "django.core.exceptions.ImproperlyConfigured: The read replica is a PostgreSQL server too.",
        ),
        ({"REPLICA_MAX_LAG_SECONDS": "soon"}, "ValueError: could not convert string to float: 'soon'"),
        ({"READ_YOUR_WRITES_SECONDS": "1.5"}, "ValueError: invalid literal for int() with base 10: '1.5'"),
        (
            {"REPLICA_DATABASE_URL": "postgresql://reader@replica/xiaoge", "REPLICA_CONNECT_TIMEOUT": "x"},
            "ValueError: invalid literal for int() with base 10: 'x'",
        ),
    ],
)
def test_bad_replica_settings_refuse_to_start(env, error):
    result = boot("print('started')", **env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.rstrip().splitlines()[-1] == error


@pytest.mark.parametrize(
    "sql, writes",
    [
        ("SELECT 1", False),
        ("  select * from academy_enrolment", False),
        ("SAVEPOINT s1", False),
        ("RELEASE SAVEPOINT s1", False),
        ("SET TIME ZONE 'UTC'", False),
        ("INSERT INTO core_auditentry VALUES (1)", True),
        ("UPDATE academy_enrolment SET status = 'enrolled'", True),
        ("DELETE FROM django_session", True),
        ("WITH moved AS (DELETE FROM t RETURNING *) SELECT 1", True),  # unknown: counted as a write
        ("SETTLE", True),
    ],
)
def test_what_counts_as_a_write_on_the_primary(sql, writes):
    reads = db_router._Reads()
    token = db_router._reads.set(reads)
    try:
        answer = db_router._note_writes(lambda *args: "ran", sql, None, False, {})
    finally:
        db_router._reads.reset(token)
    assert (answer, reads.wrote) == ("ran", writes)


def test_the_acting_person_is_known_by_user_session_and_token_without_a_query(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import SimpleLazyObject

    from accounts.models import User

    request = rf.get("/", HTTP_AUTHORIZATION="Bearer abc")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "s3ss10n"
    # Not looked up yet, so not asked: this test has no database access, a query would raise.
    request.user = SimpleLazyObject(lambda: User.objects.get(pk=1))
    keys = db_router.actor_keys(request)
    session, token = keys
    assert (session, token) == (
        "session:" + hashlib.sha256(b"s3ss10n").hexdigest()[:32],
        "token:" + hashlib.sha256(b"Bearer abc").hexdigest()[:32],
    )
    request.user = User(pk=7)
    assert db_router.actor_keys(request) == ["user:7", session, token]
    anonymous = rf.get("/")
    anonymous.user = AnonymousUser()
    assert db_router.actor_keys(anonymous) == []
