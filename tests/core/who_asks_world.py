"""The world tests/core/test_who_asks.py asks about, built once per module.

The demo data set (accounts/demo.py and each app's demo.py) gives every staff role its person
(superuser 13900000000, checker ...01, approver ...02, service staff and grid admin ...03, the lead
of the three courier stations ...04, support ...05) and nine workers 138000000xx, each with a
distinct name, phone and resident ID number. On top of it: the rows the demo has none of (so every
admin has a change page to open), a staff member in no group, and one logged-in client per role.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from accounts import permission_matrix
from accounts.models import User, WorkerProfile
from core import crypto
from governance import actions as governance_actions
from governance.models import GridMember
from notifications.models import Message
from services import actions as service_actions
from services.models import ServiceRequest
from tests.factories import StaffFactory, log_in_with
from tests.governance.factories import category, clean_photo
from volunteering.models import Recipient

WHO = (
    "anonymous",
    "worker",
    "staff_without_permission",
    "checker",
    "approver",
    "district_staff",
    "station_staff",
    "support",
    "superuser",
)
STAFF = WHO[2:]
# The demo's people (config/launcher.py lists them); district staff are service staff and grid admin.
PHONES = {
    "worker": "+8613800000009",
    "checker": "+8613900000001",
    "approver": "+8613900000002",
    "district_staff": "+8613900000003",
    "station_staff": "+8613900000004",
    "support": "+8613900000005",
    "superuser": "+8613900000000",
}
SERVICE_REQUEST_TEXT = "电动车被扣押，想咨询如何申请复议"
REPORT_TEXT = "文一西路人行道井盖松动"


@dataclass
class World:
    users: dict[str, User | None]
    clients: dict[str, Client]
    rows: dict[type[models.Model], models.Model]  # one existing row per registered admin model
    # Every worker's name, phone and ID number; every elderly person's name, address and phone.
    secrets: list[str] = field(default_factory=list)
    service_request: ServiceRequest | None = None
    report: object = None
    inbox_message: Message | None = None  # delivered to its recipient's inbox, not read yet

    def leaked(self, body: str) -> list[str]:
        return [secret for secret in self.secrets if secret in body]


def phone_spellings(e164: str) -> list[str]:
    local = e164.removeprefix("+86")
    return [e164, local, f"{local[:3]} {local[3:7]} {local[7:]}"]


def world_secrets() -> list[str]:
    found = []
    for user in User.objects.filter(is_staff=False, is_superuser=False).order_by("pk"):
        found.append(user.real_name)
        found += phone_spellings(user.phone)
    for encrypted in WorkerProfile.objects.exclude(id_number_encrypted="").values_list(
        "id_number_encrypted", flat=True
    ):
        found.append(crypto.decrypt(encrypted))
    for recipient in Recipient.objects.order_by("pk"):  # the elderly people volunteers serve
        found += [recipient.name, recipient.address, recipient.phone]
    return [secret for secret in found if secret]


def _missing_rows(superuser: User) -> tuple[ServiceRequest, object]:
    """Rows of the admins the demo leaves empty."""
    worker = User.objects.get(phone="+8613800000002")
    EmailAddress.objects.create(user=worker, email="lina@example.com", verified=False, primary=True)
    application = Application.objects.order_by("pk").first()
    expires = timezone.now() + dt.timedelta(hours=1)
    access = AccessToken.objects.create(
        application=application, token=secrets.token_urlsafe(24), scope="roster:read", expires=expires
    )
    RefreshToken.objects.create(
        user=worker, token=secrets.token_urlsafe(24), application=application, access_token=access
    )
    Grant.objects.create(
        user=worker,
        code=secrets.token_urlsafe(24),
        application=application,
        expires=expires,
        redirect_uri="https://example.com/cb",
    )
    IDToken.objects.create(user=worker, application=application, expires=expires, scope="openid")
    governance_actions.apikey_issue(name="城市大脑", acting_user=superuser)
    request = service_actions.service_request_create(
        worker=User.objects.get(phone="+8613800000003"), kind="legal", description=SERVICE_REQUEST_TEXT
    )
    member = GridMember.objects.filter(ends_on__isnull=True).select_related("user").order_by("pk").first()
    report, _ = governance_actions.report_submit(
        reporter=member.user,
        category=category("road"),
        photos=[clean_photo()],
        street=member.grid.street,
        description=REPORT_TEXT,
    )
    return request, report


def logged_in(user: User | None) -> Client:
    client = Client()
    if user is None:
        return client
    if user.is_staff:
        log_in_with(client, user, "password", "mfa")  # a staff session that passed the second factor
    else:
        log_in_with(client, user)
    return client


def build(media_root) -> World:
    with override_settings(DEMO_MODE=True, MEDIA_ROOT=media_root):
        call_command("seed_demo", stdout=io.StringIO())
        superuser = User.objects.get(phone=PHONES["superuser"])
        service_request, report = _missing_rows(superuser)
    users: dict[str, User | None] = {"anonymous": None}
    users.update({who: User.objects.get(phone=phone) for who, phone in PHONES.items()})
    users["staff_without_permission"] = StaffFactory(real_name="无组员工", phone="+8613900000099")
    inbox_message = Message.objects.filter(channel=Message.Channel.INBOX).order_by("pk").first()
    Message.objects.filter(pk=inbox_message.pk).update(
        status=Message.Status.SENT, sent_at=timezone.now(), read_at=None
    )
    inbox_message.refresh_from_db()
    # A row the station staff member may open where the admin keeps them to their own stations
    # (the demo's three stations are theirs), so that every role's answer is about permissions.
    station_staff = permission_matrix.request_for(users["station_staff"])
    rows = {}
    for model, model_admin in admin.site._registry.items():
        row = model_admin.get_queryset(station_staff).order_by("pk").first()
        row = row or model._default_manager.order_by("pk").first()
        if row is not None:
            rows[model] = row
    return World(
        users=users,
        clients={who: logged_in(user) for who, user in users.items()},
        rows=rows,
        secrets=world_secrets(),
        service_request=service_request,
        report=report,
        inbox_message=inbox_message,
    )
