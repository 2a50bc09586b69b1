"""The admin search of the large lists (core.admin_tools.UnionSearchAdmin, issue 23): the ids a term
finds are fetched first, then the page is ordered and counted from those ids alone, so that a search
costs what it finds, not what the table holds. Exact results and exact query counts."""

import pytest
from django.contrib import admin
from django.utils import timezone

from academy.models import Enrolment
from core import admin_tools
from notifications.models import Message
from points.models import PointEntry
from services.models import ServiceRequest
from subsidies.models import SubsidyApplication
from tests.academy.factories import EnrolmentFactory, worker
from tests.factories import StaffFactory, UserFactory
from tests.services.factories import ServiceRequestFactory
from tests.subsidies.factories import SubsidyApplicationFactory, admitted_enrolment

pytestmark = pytest.mark.django_db


def _message(user):
    return Message.objects.create(
        recipient=user, channel="inbox", kind="bench", subject="申请状态有更新", body="-"
    )


def _entry(user, seconds=0):
    return PointEntry.objects.create(
        user=user, amount=5, reason="adjustment", balance_after=5,
        created_at=timezone.now() + timezone.timedelta(seconds=seconds),
    )  # fmt: skip


# (model, a row of this person, the queries of a search page that finds it)
# Each: session, user, the term's ids (one UNION), the capped count, the page; the subsidy queue and
# the academy list also read their sidebar filters' choices (schemes, intakes, programmes: small
# tables); the ledger also looks the number up whole (PhoneMaskedAdmin).
CASES = [
    (
        SubsidyApplication,
        lambda user: SubsidyApplicationFactory(enrolment=admitted_enrolment(worker=user)),
        7,
    ),
    (Enrolment, lambda user: EnrolmentFactory(worker=user), 7),
    (ServiceRequest, lambda user: ServiceRequestFactory(worker=user), 5),
    (Message, _message, 5),
    (PointEntry, _entry, 6),
]


def _url(model) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def _found(response) -> list[int]:
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


@pytest.mark.parametrize(("model", "make", "queries"), CASES)
def test_a_search_reads_the_page_from_the_ids_the_term_found(
    client, django_assert_num_queries, model, make, queries
):
    client.force_login(StaffFactory(is_superuser=True))
    wanted_user, other_user = worker(), worker()
    wanted, _other = make(wanted_user), make(other_user)

    with django_assert_num_queries(queries) as captured:
        response = client.get(_url(model), {"q": wanted_user.phone})

    assert _found(response) == [wanted.pk]
    assert response.context["cl"].result_count == 1
    table = model._meta.db_table
    # The page and the count name the found ids, not the search's join.
    (page,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'SELECT "{table}"."id", ')]
    where = page.partition(" WHERE ")[2].partition(" ORDER BY ")[0]
    # (The ledger ORs in the number looked up whole, also as ids.)
    assert where in {
        f'"{table}"."id" IN ({wanted.pk})',
        f'("{table}"."id" IN ({wanted.pk}) OR "{table}"."id" IN ({wanted.pk}))',
    }, page


@pytest.mark.parametrize(("model", "make", "queries"), CASES)
def test_a_search_that_finds_nothing_asks_for_no_page(
    client, django_assert_num_queries, model, make, queries
):
    client.force_login(StaffFactory(is_superuser=True))
    make(worker())

    # The term's ids (and the ledger's whole-number lookup) only: no count, no page.
    with django_assert_num_queries(queries - 2):
        response = client.get(_url(model), {"q": "+8613999999999"})

    assert _found(response) == []
    assert response.context["cl"].result_count == 0


def test_a_term_that_finds_more_than_the_cap_is_searched_as_a_subquery(client, monkeypatch):
    monkeypatch.setattr(admin_tools, "COUNT_CAP", 2)
    client.force_login(StaffFactory(is_superuser=True))
    user = UserFactory(real_name="王小明")
    older, middle, newest = (_entry(user, seconds) for seconds in (0, 1, 2))
    _entry(UserFactory(real_name="李四"))

    response = client.get(_url(PointEntry), {"q": "王小明"})

    # Three found, more than the cap of 2: still every one, newest first, and the count says "2+".
    assert _found(response) == [newest.pk, middle.pk, older.pk]
    assert response.context["cl"].result_count == 3


def test_every_term_must_be_found(client):
    client.force_login(StaffFactory(is_superuser=True))
    wanted = ServiceRequestFactory(worker=UserFactory(real_name="王小明"), description="工资拖欠")
    ServiceRequestFactory(worker=UserFactory(real_name="王小明"), description="工伤")

    assert _found(client.get(_url(ServiceRequest), {"q": "王小明 拖欠"})) == [wanted.pk]
    assert _found(client.get(_url(ServiceRequest), {"q": "王小明 失业"})) == []


def test_the_large_lists_search_by_union():
    for model in (SubsidyApplication, Enrolment, ServiceRequest, Message, PointEntry):
        assert isinstance(admin.site._registry[model], admin_tools.UnionSearchAdmin), model


def test_a_whole_number_is_looked_up_on_the_unique_index_and_part_of_one_by_trigrams(
    client, django_assert_num_queries
):
    client.force_login(StaffFactory(is_superuser=True))
    wanted = ServiceRequestFactory(worker=UserFactory(phone="+8613912345678"))
    ServiceRequestFactory(worker=UserFactory(phone="+8613912340000"))

    with django_assert_num_queries(5) as captured:
        response = client.get(_url(ServiceRequest), {"q": "13912345678"})

    assert _found(response) == [wanted.pk]
    (ids,) = [q["sql"] for q in captured.captured_queries if " UNION " in q["sql"]]
    assert '"accounts_user"."phone" = \'+8613912345678\'' in ids, ids
    assert 'UPPER("accounts_user"."phone"::text)' not in ids, ids
    assert len(_found(client.get(_url(ServiceRequest), {"q": "1391234"}))) == 2
    assert _found(client.get(_url(ServiceRequest), {"q": "5678"})) == [wanted.pk]
