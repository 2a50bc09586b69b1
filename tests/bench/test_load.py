"""The load test's locustfile asks for pages that exist, and its report reads locust's CSV (not timed)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from bench.load.run import table

BASE_DIR = Path(__file__).resolve().parents[2]


def locustfile_paths() -> dict[str, str]:
    """PATHS of bench/load/locustfile.py, read in a process of its own: importing locust patches
    the standard library with gevent, which this test process must not get."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from bench.load.locustfile import PATHS; print(json.dumps(PATHS))",
        ],
        env={**os.environ, "LOAD_PEOPLE": "never-read.json"},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.slow(reason="imports locust, with gevent, in a Python process of its own")
def test_every_request_of_the_locustfile_is_a_url_of_the_portal():
    paths = locustfile_paths()
    assert {name: resolve(urlsplit(path).path).view_name for name, path in paths.items()} == {
        "worker: home": "home",
        "worker: near me": "services:near_me",
        "worker: near-me map": "services:near_me_map",
        "worker: delivery map search": "delivery:search",
        "worker: delivery map near me": "delivery:near",
        "worker: my applications": "academy:applications",
        "worker: report form": "governance:report_new",
        "worker: file report (photo)": "governance:report_new",
        "partner: token": "oauth-token",
        "partner: roster page (100)": "partner_api:partner-enrolment-list",
        "partner: roster CSV": "partner_api:partner-enrolment-export",
        "partner: OneRoster users (100)": "oneroster:getAllUsers",
    }


def test_the_report_is_one_row_per_endpoint_and_the_total_last(tmp_path):
    stats = tmp_path / "locust_stats.csv"
    header = "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%"
    stats.write_text(
        f"{header}\nGET,worker: home,120,0,2.0,57,310,500\n,Aggregated,150,1,2.5,60,400,900\n"
        "POST,worker: file report (photo),30,1,0.5,900,1300,1400\n"
    )
    assert table(stats) == (
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | failures |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        "| POST worker: file report (photo) | 30 | 0.5 | 900 | 1300 | 1400 | 1 |\n"
        "| GET worker: home | 120 | 2.0 | 57 | 310 | 500 | 0 |\n"
        "| **all** | 150 | 2.5 | 60 | 400 | 900 | 1 |"
    )
