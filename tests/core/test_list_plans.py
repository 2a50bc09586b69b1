"""Every list that can reach a million rows reads its default order off an index (issue 23).

On the few rows of a test the planner would rightly read whole tables, so the plans are asked
with what a large table makes expensive switched off: sequential scans, sorts and hash or merge
joins for a page; for a search also plain index scans, so only an index that the search's own
condition can use (a bitmap scan) reads the searched table. Where no index serves, PostgreSQL
still has to sort or scan, and the test sees it. (`python -m bench admin_lists` prints the plans at
1M rows, where no setting is needed.)
"""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.utils import timezone

from academy.models import Enrolment
from core.admin_tools import UnionSearchAdmin, explain_changelist, term_matches
from governance import selectors as governance_selectors
from governance.models import Report
from notifications.models import Message
from points.models import PointEntry
from services.models import ServiceRequest
from subsidies.models import SubsidyApplication
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# (model, GET parameters, the index that must drive the page, table)
ADMIN_LISTS = [
    (SubsidyApplication, {}, "subsidy_recent_idx"),
    (SubsidyApplication, {"status__exact": "checked"}, "subsidy_queue_idx"),
    (Enrolment, {}, "enrolment_recent_idx"),
    (Enrolment, {"status__exact": "submitted"}, "enrolment_status_recent_idx"),
    (Report, {}, "report_recent_idx"),
    (ServiceRequest, {}, "request_recent_idx"),
    (Message, {}, "message_recent_idx"),
    (PointEntry, {}, "pointentry_recent_idx"),
    (PointEntry, {"created_at_month": timezone.localdate().strftime("%Y-%m")}, "pointentry_recent_idx"),
    (PointEntry, {"reason": "adjustment"}, "pointentry_recent_idx"),
]


PAGE_SETTINGS = ("enable_seqscan", "enable_sort", "enable_hashjoin", "enable_mergejoin")
# Sorts off too: a search's page still comes in its order off an index. With a handful of test rows,
# PostgreSQL 18 (which counts disabled nodes before costs) would otherwise rather scan and sort the
# ledger than walk its index.
SEARCH_SETTINGS = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan", "enable_sort")


def _plan(explain, switched_off=PAGE_SETTINGS, *, only_index: tuple[str, str] | None = None) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if only_index:
            _drop_other_indexes(cursor, *only_index)
        # Statistics of this test's rows only: what earlier tests left in pg_class and
        # pg_statistic, and autovacuum's ANALYZE of their rows whenever it comes, would otherwise
        # choose the plan (a search read its page off the order's index after the partner-API
        # tests). ANALYZE counts this transaction's own rows; every plan here is asked after one.
        cursor.execute("ANALYZE")
        for setting in switched_off:
            cursor.execute(f"SET LOCAL {setting} = off")
        return explain()


def _drop_other_indexes(cursor, table: str, index: str) -> None:
    """Leave `table` only `index` and its unique ones, until the plan's transaction rolls back.

    On a test's handful of rows two indexes can cost the same (the order's index with a filter, or
    the filter's and order's together), and which one wins turns on statistics and table sizes that
    earlier tests leave. Without the others, the index either serves the page's filter and order
    alone, or PostgreSQL has to sort (switched off: the test sees the Sort).
    """
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname <> %s"
        " AND indexdef NOT LIKE 'CREATE UNIQUE %%'",
        [table, index],
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')


def _driving_scan(plan: str, table: str) -> str:
    """The plan's line that reads `table` (the joins around it read other tables by key)."""
    (line,) = [line.strip() for line in plan.splitlines() if re.search(rf" on {table}( |$)", line)]
    return line.removeprefix("->").strip()


@pytest.mark.parametrize(("model", "params", "index"), ADMIN_LISTS)
def test_the_admin_list_reads_its_order_off_an_index(model, params, index):
    staff = StaffFactory(is_superuser=True)
    model_admin = admin.site._registry[model]

    table = model._meta.db_table
    plan = _plan(lambda: explain_changelist(model_admin, staff, params), only_index=(table, index))

    assert _driving_scan(plan, table).startswith(f"Index Scan using {index} on {table}"), plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize(
    ("model", "search_indexes"),
    [
        (SubsidyApplication, {"user_phone_search_idx", "user_name_search_idx"}),
        (Enrolment, {"user_phone_search_idx", "user_name_search_idx"}),
        (ServiceRequest, {"user_phone_search_idx", "user_name_search_idx", "request_text_search_idx"}),
        (Message, {"user_phone_search_idx", "user_name_search_idx", "message_subject_search_idx"}),
        (Report, {"report_address_search_idx", "report_text_search_idx"}),
        (PointEntry, {"user_phone_search_idx", "user_name_search_idx", "pointentry_source_search_idx"}),
    ],
)
def test_a_search_reads_the_trigram_indexes_not_the_tables(model, search_indexes):
    model_admin = admin.site._registry[model]
    term = "3800000"  # part of a number (a whole one is looked up on the unique index: test_union_search)

    # The term's ids come first, in a query of their own (the page then reads only those:
    # tests/core/test_union_search.py).
    assert isinstance(model_admin, UnionSearchAdmin)
    fields = list(model_admin.search_fields)
    plan = _plan(lambda: term_matches(model, fields, term).explain(), SEARCH_SETTINGS)

    used = set(re.findall(r"Bitmap Index Scan on (\w+)", plan))
    assert search_indexes <= used, plan
    assert "Seq Scan" not in plan, plan


def test_open311_without_a_key_reads_the_public_statuses_off_one_partial_index():
    now = timezone.now()
    queryset = (
        governance_selectors.open311_requests()
        .filter(category__is_public=True, status__in=governance_selectors.PUBLIC_STATUSES)
        .filter(created_at__gte=now - timedelta(days=90), created_at__lte=now)
        .order_by("-created_at", "-id")[:1000]
    )

    plan = _plan(queryset.explain, ("enable_seqscan", "enable_sort"))

    assert _driving_scan(plan, "governance_report").startswith(
        "Index Scan using report_public_recent_idx on governance_report"
    ), plan
    assert "Sort" not in plan, plan


def test_the_partial_index_is_for_exactly_the_public_statuses():
    (index,) = [index for index in Report._meta.indexes if index.name == "report_public_recent_idx"]
    assert set(dict(index.condition.children)["status__in"]) == set(governance_selectors.PUBLIC_STATUSES)


def test_the_last_four_digits_of_a_phone_read_the_trigram_index():
    from accounts.models import User
    from accounts.selectors import may_see_phone, phone_search

    staff = StaffFactory()
    assert not may_see_phone(staff)  # who finds people by the last four digits only
    queryset = phone_search(staff, User.objects.all(), "0001")

    plan = _plan(queryset.explain, SEARCH_SETTINGS)

    assert "Bitmap Index Scan on user_phone_search_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
