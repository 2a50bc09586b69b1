"""Partner university API, /api/v1/: thin views over academy.api.selectors and academy.actions."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import django_filters
from django import forms
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from academy import actions
from academy.api import export
from academy.api.oauth import (
    SENSITIVE,
    ClientRateThrottle,
    HasUniversityScope,
    UniversityClientAuthentication,
    has_scope,
    university_of,
)
from academy.api.selectors import (
    enrolment_get_for_university,
    enrolments_for_university,
    intakes_for_university,
    programmes_for_university,
)
from academy.api.serializers import (
    ENROLMENT_READS,
    FREE_TEXT,
    NOT_BLANK_TEXT,
    WRITE_BACK_STATUSES,
    CreditSerializer,
    CreditsSerializer,
    EnrolmentSerializer,
    EnrolmentWriteBackSerializer,
    IntakeSerializer,
    ProgrammeSerializer,
)
from academy.models import Enrolment, Intake, Programme
from core import validation
from core.db_router import read_alias_for_stream, read_from_replica
from core.openapi import DATETIME_PARAMETER

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass  # the stubs' alias, not at run time

Status = Enrolment.Status
VISIBLE_STATUSES = [(s.value, s.label) for s in (*Enrolment.SEATED, Status.WITHDRAWN)]


class RosterPagination(CursorPagination):
    # The primary key: unique and indexed, so every page is one index range scan,
    # the last page costs what the first does, and rows added meanwhile are never skipped.
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                # What a cursor can be: base64 (anything else is an invalid cursor, 404).
                parameter["schema"] = {"type": "string", "maxLength": 200, "pattern": "^[A-Za-z0-9+/=]*$"}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters

    def decode_cursor(self, request):
        # DRF takes the position as it comes; it is compared with the id column, so anything
        # but an id (base64 of "p=abc") would reach PostgreSQL and end in a 500.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                validation.bounded_int(cursor.position, name="cursor", min_value=0)
            except validation.BadInput:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class MomentFilter(django_filters.Filter):
    field_class = validation.DateTimeParamField


class EnrolmentFilter(django_filters.FilterSet):
    intake = IdFilter(field_name="intake_id", min_value=1, max_value=2**63 - 1)
    programme = IdFilter(field_name="offering__programme_id", min_value=1, max_value=2**63 - 1)
    status = django_filters.ChoiceFilter(choices=VISIBLE_STATUSES)
    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte", param_name="updated_since")

    class Meta:
        model = Enrolment
        fields = ["intake", "programme", "status", "updated_since"]


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` and `Accept: text/csv` choose the streamed export."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


# The list action reads on the replica when one serves (core.db_router). A comment, not a
# docstring: drf-spectacular would take a docstring as every viewset's description.
class ListsFromReplica:
    @read_from_replica
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class PartnerAPIView:
    # Typed as APIView types them, so the viewsets that mix this in agree with it.
    authentication_classes: Sequence[type[BaseAuthentication]] = [UniversityClientAuthentication]
    permission_classes: "Sequence[_PermissionClass]" = [HasUniversityScope]
    throttle_classes: Sequence[type[BaseThrottle]] = [ClientRateThrottle]


CSV_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR, description="UTF-8 CSV with BOM, one row per enrolment, streamed."
)
# The serializer's rule "a student_number, a status, or both" written into the schema.
WRITE_BACK_SCHEMA = {
    "type": "object",
    "properties": {
        "student_number": {"type": "string", "maxLength": 40, "pattern": NOT_BLANK_TEXT},
        "status": {"type": "string", "enum": [status.value for status in WRITE_BACK_STATUSES]},
        "reason": {"type": "string", "maxLength": 500, "pattern": FREE_TEXT},
    },
    "anyOf": [{"required": ["student_number"]}, {"required": ["status"]}],
}
ID_PARAMETER = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
FILTERS = [
    OpenApiParameter("intake", ID_PARAMETER, description="Intake id"),
    OpenApiParameter("programme", ID_PARAMETER, description="Programme id"),
    OpenApiParameter("status", str, enum=[value for value, _label in VISIBLE_STATUSES]),
    OpenApiParameter("updated_since", DATETIME_PARAMETER, description="Changed at or after (delta sync)"),
]


@extend_schema_view(
    list=extend_schema(summary="The university's enrolments, in cursor pages", parameters=FILTERS),
    retrieve=extend_schema(summary="One enrolment"),
)
class EnrolmentViewSet(
    ListsFromReplica,
    PartnerAPIView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EnrolmentSerializer
    pagination_class = RosterPagination
    filterset_class = EnrolmentFilter
    renderer_classes = [JSONRenderer, CSVRenderer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting
            return Enrolment.objects.none()
        queryset = enrolments_for_university(university=university_of(self.request))
        # Only what the serializer reads, and the credits as a plain list (to_attr): no queryset
        # is built per row.
        return queryset.only(*ENROLMENT_READS).prefetch_related(
            Prefetch("credit_records", to_attr="credit_list")
        )

    def get_object(self):
        enrolment = enrolment_get_for_university(
            university=university_of(self.request), enrolment_id=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, enrolment)
        return enrolment

    def handle_exception(self, exc):
        # Errors are JSON ({"message", "extra"}) even where the CSV was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "sensitive": has_scope(self.request, SENSITIVE)}

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return self._export()
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        enrolment = self.get_object()
        return Response(self.get_serializer(enrolment).data)

    @extend_schema(
        summary="The whole filtered roster as one streamed CSV",
        operation_id="api_v1_enrolments_export_csv",
        parameters=FILTERS,
        responses={(200, "text/csv"): CSV_RESPONSE},
    )
    def export(self, request):
        return self._export()

    def _export(self):
        queryset = self.filter_queryset(enrolments_for_university(university=university_of(self.request)))
        queryset = queryset.using(read_alias_for_stream())
        if has_scope(self.request, SENSITIVE):
            content = export.stream_with_id_numbers(queryset)
        else:
            content = export.stream_copy(queryset)
        response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="roster.csv"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="Write back the student number and status",
        request={"application/json": WRITE_BACK_SCHEMA},
        responses={200: EnrolmentSerializer},
    )
    def partial_update(self, request, pk=None):
        enrolment = self.get_object()
        payload = EnrolmentWriteBackSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        target = data.get("status", Status.ENROLLED)
        number = data.get("student_number")
        unchanged = enrolment.status == target and number in (None, enrolment.student_number)
        if not unchanged:  # the same report twice (a retry) is answered, not refused
            if target == Status.ENROLLED:
                actions.enrolment_confirm(
                    enrolment_id=enrolment.pk, student_number=number or "", api_client=request.auth.api_client
                )
            elif target == Status.COMPLETED:
                actions.enrolment_complete(enrolment_id=enrolment.pk, api_client=request.auth.api_client)
            else:
                actions.enrolment_drop(
                    enrolment_id=enrolment.pk,
                    reason=data.get("reason", ""),
                    api_client=request.auth.api_client,
                )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Credits earned in one study year (makes that year's subsidy instalment payable)",
        request=CreditsSerializer,
        responses={201: CreditSerializer},
    )
    @action(detail=True, methods=["post"], url_path="credits")
    def credits(self, request, pk=None):
        enrolment = self.get_object()
        payload = CreditsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = actions.enrolment_record_credits(
            enrolment_id=enrolment.pk, api_client=request.auth.api_client, **payload.validated_data
        )
        return Response(CreditSerializer(record).data, status=status.HTTP_201_CREATED)


class ProgrammeViewSet(ListsFromReplica, PartnerAPIView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProgrammeSerializer
    pagination_class = RosterPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting
            return Programme.objects.none()
        return programmes_for_university(university=university_of(self.request))


class IntakeViewSet(ListsFromReplica, PartnerAPIView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = IntakeSerializer
    pagination_class = RosterPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting
            return Intake.objects.none()
        return intakes_for_university(university=university_of(self.request))
