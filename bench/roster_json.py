"""The partner roster's JSON: the serializer against plain values_list + json.dumps, and deep pages.

Seeds the roster of bench.roster_export (LARGE enrolled students, SQL), then, in turns:

- a page of 1,000 rows through the API's serializer and JSON renderer (model instances with
  their joins and credits, as the view reads them) against `values_list` of the same fields of
  the same rows + `json.dumps`: plain ÷ serializer time (target >= 0.25);
- the API's last cursor page of 1,000 rows against its first (target <= 1.5), same statements.
"""

import base64
import json
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Prefetch
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from academy.api.selectors import enrolments_for_university
from academy.api.serializers import ENROLMENT_READS, EnrolmentSerializer
from bench import harness, roster_export

PAGE = 1000
FIELDS = [
    "id",
    "status",
    "student_number",
    "worker__real_name",
    "worker__phone",
    "worker__profile__id_number_masked",
    "worker__profile__sex",
    "worker__profile__birth_date",
    "worker__profile__occupation",
    "worker__profile__education",
    "offering__programme_id",
    "offering__programme__level",
    "offering__programme__major",
    "intake_id",
    "intake__name",
    "submitted_at",
    "decided_at",
    "created_at",
    "updated_at",
]


def run(*, best_of):
    _small, rows = roster_export.sizes()
    university, _intake, token = roster_export.seed(PAGE, rows)
    scoped = enrolments_for_university(university=university).order_by("pk")

    def serializer() -> None:
        page = list(
            scoped.only(*ENROLMENT_READS).prefetch_related(Prefetch("credit_records", to_attr="credit_list"))[
                :PAGE
            ]
        )
        data = EnrolmentSerializer(page, many=True, context={"sensitive": False}).data
        assert len(JSONRenderer().render(data)) > PAGE

    def plain() -> None:
        page = list(scoped.values_list(*FIELDS)[:PAGE])
        assert len(json.dumps(page, default=str, ensure_ascii=False)) > PAGE

    speed = harness.interleave({"serializer": serializer, "plain": plain})

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    ids = list(scoped.values_list("pk", flat=True).order_by("-pk")[: PAGE + 1])
    last_cursor = base64.b64encode(urlencode({"p": ids[-1]}).encode()).decode()
    urls = {
        "first": f"/api/v1/enrolments/?page_size={PAGE}",
        "last": f"/api/v1/enrolments/?page_size={PAGE}&cursor={last_cursor}",
    }
    statements = {}

    def page(name: str):
        def fetch() -> None:
            response = client.get(urls[name])
            assert response.status_code == 200 and len(response.json()["results"]) == PAGE, (
                response.status_code
            )

        return fetch

    for name in urls:
        with CaptureQueriesContext(connection) as queries:
            page(name)()
        statements[name] = len(queries)
    pages = harness.interleave({name: page(name) for name in urls})
    return [
        (
            "roster JSON serializer ÷ values_list + json.dumps, same fields (plain ÷ serializer time; target >= 0.25)",
            harness.ratios(speed["plain"], speed["serializer"]),
            f"{harness.ms(speed['serializer'])} vs {harness.ms(speed['plain'])} a page of {PAGE:,} rows",
        ),
        (
            f"roster JSON last page over first page, {harness.label(rows)} rows (target <= 1.5)",
            harness.ratios(pages["last"], pages["first"]),
            f"{harness.ms(pages['last'])} vs {harness.ms(pages['first'])}, {PAGE} rows a page; "
            f"statements {statements['first']} first, {statements['last']} last (target: equal)",
        ),
    ]
