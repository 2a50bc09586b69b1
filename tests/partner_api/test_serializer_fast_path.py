"""The roster serializer's direct representation is DRF's field-by-field one, value for value (issue 23)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from academy.api.selectors import enrolments_for_university
from academy.api.serializers import EnrolmentSerializer
from academy.models import CreditRecord, Enrolment
from tests.partner_api import factories


@pytest.mark.parametrize("sensitive", [False, True])
def test_the_direct_representation_is_byte_for_byte_drfs(uni_a, sensitive):
    consented = factories.enrolment(uni_a, consent=True)
    CreditRecord.objects.create(enrolment=consented, study_year=1, credits=Decimal("30.5"))
    CreditRecord.objects.create(enrolment=consented, study_year=2, credits=Decimal("28"))
    factories.enrolment(uni_a, Enrolment.Status.ADMITTED, submitted_at=None, decided_at=None)
    utc_midnight = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    factories.enrolment(uni_a, Enrolment.Status.WITHDRAWN, decided_at=utc_midnight)
    rows = list(enrolments_for_university(university=uni_a).prefetch_related("credit_records").order_by("pk"))
    for zone in ("Asia/Shanghai", "UTC"):  # UTC: DRF writes +00:00 as Z
        with timezone.override(zone):
            serializer = EnrolmentSerializer(context={"sensitive": sensitive})  # one a request
            direct = [serializer.to_representation(row) for row in rows]
            drf = [serializer.field_by_field(row) for row in rows]
        assert json.dumps(direct, cls=JSONEncoder, ensure_ascii=False) == json.dumps(
            drf, cls=JSONEncoder, ensure_ascii=False
        )
    assert [len(row["credits"]) for row in direct] == [2, 0, 0]
    assert direct[1]["submitted_at"] is None
