import datetime as dt
import secrets

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from academy.models import ApiClient, Enrolment, EnrolmentEvent, Offering, University
from accounts.models import Consent
from tests.academy.factories import EnrolmentFactory, IntakeFactory, OfferingFactory, ProgrammeFactory

ALL_SCOPES = "roster:read roster:sensitive roster:write"


def university(code: str, name: str) -> University:
    return University.objects.get_or_create(code=code, defaults={"name": name, "short_name": name[:4]})[0]


def api_client(uni: University, *, client_id: str, secret: str = "s3cret-s3cret", **flags) -> ApiClient:
    application = Application.objects.create(
        name=client_id,
        client_id=client_id,
        client_secret=secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    return ApiClient.objects.create(application=application, university=uni, **flags)


def token_for(application: Application, scope: str = ALL_SCOPES, *, expired: bool = False) -> str:
    value = secrets.token_urlsafe(24)
    delta = dt.timedelta(seconds=-60 if expired else 3600)
    AccessToken.objects.create(
        application=application, token=value, scope=scope, expires=timezone.now() + delta
    )
    return value


def enrolment(uni: University, status=Enrolment.Status.ENROLLED, *, offering=None, consent=False, **extra):
    """An application of `uni` the university may see (admitted once), built directly."""
    offering = offering or OfferingFactory(programme=ProgrammeFactory(university=uni), intake=IntakeFactory())
    if status in (Enrolment.Status.ENROLLED, Enrolment.Status.COMPLETED):
        extra.setdefault("student_number", f"S{offering.pk:04d}-{Enrolment.objects.count() + 1:06d}")
    row = EnrolmentFactory(offering=offering, status=status, **extra)
    if status in Enrolment.SEATED:
        Offering.objects.filter(pk=offering.pk).update(seats_taken=F("seats_taken") + 1)
        row.offering.refresh_from_db()
    EnrolmentEvent.objects.create(
        enrolment=row, from_status="submitted", to_status="admitted", actor_role="staff"
    )
    if consent:
        Consent.objects.create(
            user=row.worker,
            purpose=Consent.Purpose.SHARE_ID_WITH_UNIVERSITY,
            notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
        )
    return row


def imsx_status_info(description: str, code: str) -> dict:
    """The OneRoster error body (imsx_StatusInfo) with its one codeMinor."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code}
            ]
        },
    }
