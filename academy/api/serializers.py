import datetime as dt
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from academy.models import CreditRecord, Enrolment, Intake, Level, Programme
from core.privacy import shown_identity
from core.validation import ProhibitControlCharactersValidator

if TYPE_CHECKING:
    from academy.api.selectors import EnrolmentForUniversity

Status = Enrolment.Status
# What a university may report back; the academy office owns every other status.
WRITE_BACK_STATUSES = (Status.ENROLLED, Status.WITHDRAWN, Status.COMPLETED)
NOTHING_TO_CHANGE = _("Send a student_number, a status, or both.")
# What a string field accepts: no control characters (DRF refuses NUL), not only spaces.
FREE_TEXT = "^[^\\u0000-\\u001f\\u007f]*$"
NOT_BLANK_TEXT = "^[^\\u0000-\\u001f\\u007f\\s][^\\u0000-\\u001f\\u007f]*$"


class ProgrammeSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=Level.choices)

    class Meta:
        model = Programme
        fields = ["id", "level", "major", "tuition", "duration_years", "credits_required", "is_active"]


class IntakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intake
        fields = ["id", "name", "applications_open_at", "applications_close_at", "starts_on"]


class ProgrammeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField()
    major = serializers.CharField()


class IntakeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CreditSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditRecord
        fields = ["study_year", "credits", "updated_at"]


class StudentSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField(help_text="Full only with the roster:sensitive scope and consent.")
    id_number_is_full = serializers.BooleanField()
    sex = serializers.CharField()
    birth_date = serializers.DateField(
        allow_null=True, help_text="Only beside a full id_number: with a masked one it would complete it."
    )
    occupation = serializers.CharField()
    education = serializers.CharField()


def iso_datetime(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """DRF's ISO 8601 representation of an aware datetime in `zone` (UTC written as Z)."""
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# What the list reads of each row and its joined rows (QuerySet.only): nothing else is loaded.
ENROLMENT_READS = (
    "id", "status", "student_number", "submitted_at", "decided_at", "created_at", "updated_at",
    "worker", "worker__real_name", "worker__phone",
    "worker__profile", "worker__profile__user", "worker__profile__sex", "worker__profile__occupation",
    "worker__profile__education", "worker__profile__id_number_masked",
    "worker__profile__id_number_encrypted", "worker__profile__birth_date",
    "offering", "offering__programme", "offering__programme__level", "offering__programme__major",
    "intake", "intake__name",
)  # fmt: skip


class EnrolmentSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    programme = serializers.SerializerMethodField()
    intake = serializers.SerializerMethodField()
    student = serializers.SerializerMethodField()
    credits = CreditSerializer(source="credit_records", many=True, read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "status",
            "student_number",
            "student",
            "programme",
            "intake",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
            "credits",
        ]

    def to_representation(self, enrolment: "EnrolmentForUniversity") -> dict[str, Any]:
        """The fields above, read straight off the instance: the same JSON as the field-by-field way
        (tests/partner_api/test_serializer_fast_path.py compares them), at a fraction of its cost on a page
        of 1,000 rows. DRF's DateTimeField looks the time zone up again for every value; here it is
        looked up once a row, and the ISO 8601 text is DRF's."""
        zone = self._zone
        credits = getattr(enrolment, "credit_list", None)  # the list view's prefetch (to_attr)
        if credits is None:
            credits = enrolment.credit_records.all()
        return {
            "id": enrolment.pk,
            "status": self.fields["status"].to_representation(enrolment.status),
            "student_number": enrolment.student_number,
            "student": self.get_student(enrolment),
            "programme": self.get_programme(enrolment),
            "intake": self.get_intake(enrolment),
            "submitted_at": iso_datetime(enrolment.submitted_at, zone),
            "decided_at": iso_datetime(enrolment.decided_at, zone),
            "created_at": iso_datetime(enrolment.created_at, zone),
            "updated_at": iso_datetime(enrolment.updated_at, zone),
            "credits": self.fields["credits"].to_representation(credits) if credits else [],
        }

    @cached_property
    def _zone(self) -> dt.tzinfo:
        return timezone.get_current_timezone()  # a serializer serves one request: one time zone

    def field_by_field(self, enrolment: "EnrolmentForUniversity") -> dict[str, Any]:
        """DRF's own representation of the declared fields (what to_representation must equal)."""
        return super().to_representation(enrolment)

    @extend_schema_field(ProgrammeRefSerializer)
    def get_programme(self, enrolment: Enrolment) -> dict[str, Any]:
        programme = enrolment.offering.programme
        return {"id": programme.pk, "level": programme.level, "major": programme.major}

    @extend_schema_field(IntakeRefSerializer)
    def get_intake(self, enrolment: Enrolment) -> dict[str, Any]:
        return {"id": enrolment.intake_id, "name": enrolment.intake.name}

    @extend_schema_field(StudentSerializer)
    def get_student(self, enrolment: "EnrolmentForUniversity") -> dict[str, Any]:
        worker = enrolment.worker
        profile = getattr(worker, "profile", None)
        identity = shown_identity(
            profile, full_allowed=bool(self.context.get("sensitive") and enrolment.id_consented)
        )
        return {
            "name": worker.real_name,
            "phone": worker.phone,
            "id_number": identity.id_number,
            "id_number_is_full": identity.id_number_is_full,
            "sex": profile.sex if profile else "",
            "birth_date": identity.birth_date,
            "occupation": profile.occupation if profile else "",
            "education": profile.education if profile else "",
        }


class TextField(serializers.CharField):
    """DRF refuses only NUL; a partner's text is stored and sent on (SMS, inbox): no control characters."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(ProhibitControlCharactersValidator())


@extend_schema_field({"type": "string", "maxLength": 40, "pattern": NOT_BLANK_TEXT})
class StudentNumberField(TextField):
    pass


@extend_schema_field({"type": "string", "maxLength": 500, "pattern": FREE_TEXT})
class ReasonField(TextField):
    pass


class EnrolmentWriteBackSerializer(serializers.Serializer):
    student_number = StudentNumberField(max_length=40, required=False, trim_whitespace=True)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in WRITE_BACK_STATUSES], required=False
    )
    reason = ReasonField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        if "student_number" not in attrs and "status" not in attrs:
            raise serializers.ValidationError(str(NOTHING_TO_CHANGE))
        return attrs


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": "^(200(\\.0)?|[0-9]{1,2}(\\.[0-9])?|1[0-9]{2}(\\.[0-9])?)$",
    }
)
class CreditsField(serializers.DecimalField):
    """0 to 200 with one decimal; the schema says so, so that "" is not documented as valid."""


class CreditsSerializer(serializers.Serializer):
    study_year = serializers.IntegerField(min_value=1, max_value=6)
    credits = CreditsField(max_digits=4, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("200"))
