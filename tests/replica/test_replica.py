"""The read replica against a real streaming replica: tests/replica/on_pair.py, run on a pair
of PostgreSQL servers of its own (tests/replica_pair.py).

That module needs DATABASE_URL and REPLICA_DATABASE_URL on the pair when Django starts, so it
runs in a pytest of its own; each of its tests is reported here by name (from its JUnit XML).
Without REPLICA_DATABASE_URL (this run), the router sends every read to the primary.
"""

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
    "test_reads_return_to_the_replica_after_the_read_your_writes_window",
    "test_a_replica_further_behind_than_the_limit_serves_nothing",
    "test_the_replica_stopped_mid_test_reads_fall_back_to_the_primary",
]


@pytest.fixture(scope="module")
def run_on_pair(tmp_path_factory):
    pair = ReplicaPair().start()
    report = tmp_path_factory.mktemp("replica") / "junit.xml"
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
    outcomes = {}
    if report.exists():
        for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314 (our own pytest's report)
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            outcomes[case.get("name")] = None if failure is None and case.find("skipped") is None else case
    return result, outcomes


@pytest.mark.parametrize("name", ON_PAIR_TESTS)
def test_on_a_real_streaming_replica(run_on_pair, name):
    result, outcomes = run_on_pair
    assert name in outcomes, f"{name} did not run:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    case = outcomes[name]
    assert case is None, ElementTree.tostring(case, encoding="unicode")[-6000:]


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
