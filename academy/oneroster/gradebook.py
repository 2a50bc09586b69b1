"""OneRoster 1.2 Gradebook, results write-back: PUT /ims/oneroster/gradebook/v1p2/results/{sourcedId}.

A university's LMS reports a study year's earned credits as a result: the line
item is "the credits of study year N in this class", named `{classSourcedId}-y{N}`
(e.g. `cls-k3v9q2m1xa-y1`), so a client that has the class needs nothing else; the
student is the user; the score is the credits. The write is the same action as
POST /api/v1/enrolments/{id}/credits/ (academy.actions.enrolment_record_credits),
so it makes that year's subsidy instalment payable the same way; replaying the
same result changes nothing more."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from academy import actions
from academy.api import selectors as partner_selectors
from academy.api.oauth import (
    GRADEBOOK_CREATEPUT,
    ClientRateThrottle,
    HasUniversityScope,
    UniversityClientAuthentication,
    university_of,
)
from academy.models import Enrolment
from academy.oneroster import ids, query
from academy.oneroster.resources import CLASS, USER
from academy.oneroster.views import ERRORS, exception_handler, status_info
from core.exceptions import ApplicationError

LINE_ITEM = re.compile(r"^(?P<cls>cls-[a-z2-7]{10})-y(?P<year>[1-6])$")
# The scoreStatus values of the binding; only a final one is a year's credits.
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")

NOT_A_RESULT = _('The body must be {"result": {…}} with the result\'s fields.')
SOURCED_ID_DIFFERS = _("result.sourcedId must be the sourcedId of the URL.")
BAD_LINE_ITEM = _("lineItem.sourcedId must name a class and a study year, e.g. cls-k3v9q2m1xa-y1.")
BAD_STUDENT = _("student.sourcedId must be the sourcedId of a user.")
NOT_FINAL = _("Only a fully graded result is a study year's credits (scoreStatus “fully graded”).")
BAD_SCORE = _("score must be a number of credits from 0 to 200 with at most one decimal.")
NO_SUCH_ENROLLMENT = _("The student “%(student)s” is not enrolled in the class “%(class)s”.")
NO_WRITE = _("This client may not write results back.")


def _fail(message) -> query.QueryError:
    """A malformed result: imsx invaliddata, and nothing is written."""
    return query.QueryError(str(message), query.INVALID_DATA)


def _reference(result: dict, name: str) -> str:
    value = result.get(name)
    sourced_id = value.get("sourcedId") if isinstance(value, dict) else None
    return sourced_id if isinstance(sourced_id, str) else ""


def _credits(score) -> Decimal:
    if isinstance(score, bool) or not isinstance(score, int | float | str):
        raise _fail(BAD_SCORE)
    try:
        credits = Decimal(str(score))
    except InvalidOperation:
        raise _fail(BAD_SCORE) from None
    if not credits.is_finite() or not Decimal(0) <= credits <= Decimal(200):
        raise _fail(BAD_SCORE)
    if credits != credits.quantize(Decimal("0.1")):
        raise _fail(BAD_SCORE)
    return credits.quantize(Decimal("0.1"))


class ResultView(APIView):
    authentication_classes = [UniversityClientAuthentication]
    permission_classes = [HasUniversityScope]
    throttle_classes = [ClientRateThrottle]
    write_scopes = (GRADEBOOK_CREATEPUT,)

    def get_exception_handler(self):
        return exception_handler

    @extend_schema(
        summary="OneRoster putResult: a study year's credits",
        operation_id="oneroster_gradebook_putResult",
        parameters=[OpenApiParameter("sourcedId", str, OpenApiParameter.PATH)],
        request=OpenApiTypes.OBJECT,
        responses={201: None, 422: ERRORS[400], **ERRORS},
        tags=["OneRoster 1.2 gradebook"],
    )
    def put(self, request, sourcedId: str):  # the spec names the path parameter sourcedId
        client = request.auth.api_client
        if not client.can_write:  # a token keeps its scopes; the client's switch decides now
            raise exceptions.PermissionDenied(NO_WRITE)
        body = request.data
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, dict):
            raise _fail(NOT_A_RESULT)
        if result.get("sourcedId", sourcedId) != sourcedId:
            raise _fail(SOURCED_ID_DIFFERS)
        line_item = LINE_ITEM.match(_reference(result, "lineItem"))
        if line_item is None:
            raise _fail(BAD_LINE_ITEM)
        student = _reference(result, "student")
        user_pk = ids.decode(USER, student)
        if user_pk is None:
            raise _fail(BAD_STUDENT)
        if result.get("scoreStatus") != "fully graded":
            raise _fail(NOT_FINAL)
        credits = _credits(result.get("score"))
        class_pk = ids.decode(CLASS, line_item["cls"])
        enrolment = (
            partner_selectors.visible_enrolments(university=university_of(request))
            .filter(offering_id=class_pk, worker_id=user_pk, status__in=Enrolment.SEATED)
            .order_by("pk")
            .first()
            if class_pk
            else None
        )
        if enrolment is None:  # another university's class or student answers like a missing one
            raise exceptions.NotFound(
                str(NO_SUCH_ENROLLMENT) % {"student": student, "class": line_item["cls"]}
            )
        try:
            actions.enrolment_record_credits(
                enrolment_id=enrolment.pk,
                study_year=int(line_item["year"]),
                credits=credits,
                api_client=client,
            )
        except ApplicationError as error:  # e.g. the student is admitted, not yet enrolled
            return Response(status_info(error.message, query.INVALID_DATA), status=422)
        return Response(status=status.HTTP_201_CREATED)
