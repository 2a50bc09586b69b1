"""Every admin page, action and CSV export, and every worker page with personal data, asked by everyone.

Issue 13 (account and staff security): tests parametrised over who asks. The admin cases come from
the admin registry (accounts/permission_matrix.py finds the pages, the declared actions and the CSV
exports), so a new admin is asked about without anyone listing it here; what each staff role may
do is what the README's permission matrix says, computed from the same code for the real person.

- anonymous and a worker: sent to the login, nothing changed, nothing leaked;
- staff without the permission: 403, nothing changed, no worker's name, phone or ID number;
- a role with the permission: the page (200), the action runs, the CSV is a CSV;
- a role that may view the list but not run an action: the action does not run, nothing changed.

Station staff of another station against this one (row level) are tests/core/test_station_scope_admin.py.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts import permission_matrix
from accounts.models import User
from accounts.permission_matrix import DENIED
from core.models import AuditEntry
from notifications.models import Message
from tests.core import who_asks_world
from tests.core.who_asks_world import STAFF, WHO
from tests.factories import UserFactory, WorkerProfileFactory, log_in_with
from tests.module_data import module_transaction

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, in a transaction rolled back at its end; each test rolls back its own."""
    with django_db_blocker.unblock(), module_transaction():
        yield who_asks_world.build(tmp_path_factory.mktemp("who-asks-media"))


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    # The resend action hands ids to Celery at once; the rows it names exist in this test only.
    monkeypatch.setattr("notifications.admin.enqueue_by_channel", lambda rows: None)


# --- Admin ----------------------------------------------------------------------------------------


def admin_cases() -> list:
    cases = []
    for model_admin in permission_matrix.registered_admins():
        label = model_admin.model._meta.label_lower
        for kind in ("changelist", "change", "add"):
            cases.append(pytest.param(kind, label, "", id=f"{label}:{kind}"))
        for name in permission_matrix.declared_actions(model_admin):
            cases.append(pytest.param("action", label, name, id=f"{label}:action:{name}"))
        for export in permission_matrix.exports(model_admin):
            if export.is_action:
                # "Export" with nothing ticked: the whole filtered list, or "select some rows".
                cases.append(
                    pytest.param("csv_action_all", label, export.name, id=f"{label}:csv-all:{export.name}")
                )
            else:
                cases.append(pytest.param("csv_url", label, export.name, id=f"{label}:csv:{export.route}"))
    return cases


ADMIN_CASES = admin_cases()
ADMINS_BY_LABEL = {ma.model._meta.label_lower: ma for ma in permission_matrix.registered_admins()}


def admin_url(model_admin, kind: str, row=None) -> str:
    info = f"admin:{model_admin.model._meta.app_label}_{model_admin.model._meta.model_name}"
    if kind == "change":
        return reverse(f"{info}_change", args=[quote(row.pk)])
    if kind == "add":
        return reverse(f"{info}_add")
    return reverse(f"{info}_changelist")


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def is_csv(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def snapshot(model, row) -> tuple:
    return (
        list(model._default_manager.filter(pk=row.pk).values()),
        model._default_manager.count(),
        AuditEntry.objects.count(),
        Message.objects.count(),
    )


def expectation(who: str, user, kind: str, model_admin, name: str) -> str:
    """ "login", "forbidden", "allowed", or "refused" (may see the list, may not run the action)."""
    if who in ("anonymous", "worker"):
        return "login"
    request = permission_matrix.request_for(user)
    if kind in ("changelist", "change"):
        allowed = permission_matrix.page_answers(model_admin, user)["view"] != DENIED
        return "allowed" if allowed else "forbidden"
    if kind == "add":
        return "allowed" if model_admin.has_add_permission(request) else "forbidden"
    if kind == "csv_url":
        return "allowed" if permission_matrix.csv_url_answer(model_admin, user) != DENIED else "forbidden"
    if not model_admin.has_view_or_change_permission(request):
        return "forbidden"
    return "allowed" if permission_matrix.action_answer(model_admin, user, name) != DENIED else "refused"


def ask(client, kind: str, url: str, name: str, row):
    if kind in ("changelist", "change", "add", "csv_url"):
        return client.get(url)
    data = {"action": name, "index": "0", "select_across": "0"}
    if kind == "action":
        data[admin.helpers.ACTION_CHECKBOX_NAME] = [str(row.pk)]
    return client.post(url, data)


def test_every_registered_admin_has_a_row_in_the_world(world):
    """A new admin needs a row in tests/core/who_asks_world.py, so that its change page is asked about."""
    assert [label for label, ma in ADMINS_BY_LABEL.items() if ma.model not in world.rows] == []


def test_the_leak_search_finds_what_a_page_with_personal_data_shows(world):
    """The canary: every worker's name, phone and ID number are searched for, and the search fires."""
    from core import crypto

    workers = User.objects.filter(is_staff=False).select_related("profile").order_by("pk")
    assert len(workers) == 9 + 240  # the named demo workers and the dashboard's history (dashboard/demo.py)
    for worker in workers:
        assert {worker.real_name, *who_asks_world.phone_spellings(worker.phone)} <= set(world.secrets)
        assert crypto.decrypt(worker.profile.id_number_encrypted) in world.secrets
    listing = world.clients["superuser"].get(reverse("admin:accounts_workerprofile_changelist"))
    assert listing.status_code == 200
    assert world.leaked(listing.content.decode()) != []


def test_the_cases_cover_every_admin_action_and_export():
    kinds = {(values[0], values[1], values[2]) for values in (case.values for case in ADMIN_CASES)}
    for label, model_admin in ADMINS_BY_LABEL.items():
        assert {("changelist", label, ""), ("change", label, ""), ("add", label, "")} <= kinds
        for name in permission_matrix.declared_actions(model_admin):
            assert ("action", label, name) in kinds
        for export in permission_matrix.exports(model_admin):
            assert ("csv_action_all" if export.is_action else "csv_url", label, export.name) in kinds
    # The exports the admins have today, found by their names (export_...) and routes (....csv).
    assert sorted(name for kind, _, name in kinds if kind in ("csv_action_all", "csv_url")) == [
        "academy_enrolment_export",
        "deliberation_topic_export",
        "export_attendance",
        "export_csv",
        "export_csv",
        "export_csv",
        "export_done_csv",
        "points_pointentry_export",
        "rewards_voucher_export",
        "subsidies_instalment_export",
    ]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("kind, label, name", ADMIN_CASES)
def test_admin(world, who, kind, label, name):
    model_admin = ADMINS_BY_LABEL[label]
    model = model_admin.model
    row = world.rows[model]
    user = world.users[who]
    url = admin_url(model_admin, kind, row)
    if kind == "csv_url":
        url = reverse(f"admin:{name}")
    expected = expectation(who, user, kind, model_admin, name)
    before = snapshot(model, row)

    response = ask(world.clients[who], kind, url, name, row)

    if expected == "allowed":
        if kind in ("changelist", "change", "add"):
            assert response.status_code == 200
        elif kind == "csv_url" or (kind == "action" and permission_matrix.is_csv_action(name)):
            assert is_csv(response), response.status_code
            body_of(response)
        else:
            assert response.status_code in (200, 302), response.status_code
            if response.status_code == 302:
                assert not response["Location"].startswith(ADMIN_LOGIN)
        return
    body = body_of(response)
    # The failure names what a wrong answer gave away.
    leaked = f"{response.status_code}, leaked {world.leaked(body)}"
    if expected == "login":
        assert response.status_code == 302, leaked
        assert response["Location"] == redirect_to_login(url, ADMIN_LOGIN)["Location"]
    elif expected == "forbidden":
        assert response.status_code == 403, leaked
    else:  # refused: the action is not offered to this role, so it does not run
        assert not is_csv(response), leaked
        request = permission_matrix.request_for(user)
        if model_admin.get_actions(request):
            assert (response.status_code, response["Location"]) == (302, url)
        else:
            assert response.status_code == 200  # no action at all: the list again, which the role may see
    assert snapshot(model, row) == before
    if response.status_code != 200:
        assert world.leaked(body) == []


def test_the_message_admin_is_the_support_roles_and_hides_texts_from_everyone_else(world):
    """Only support (and superusers) open the message admin; the text is never on another's page."""
    message = world.rows[Message]
    statuses = {}
    for who in WHO:
        change = world.clients[who].get(admin_url(admin.site._registry[Message], "change", message))
        statuses[who] = change.status_code
        if who not in ("support", "superuser"):
            assert message.body not in change.content.decode()
    assert statuses == {
        "anonymous": 302,
        "worker": 302,
        **{who: 403 for who in STAFF if who not in ("support", "superuser")},
        "support": 200,
        "superuser": 200,
    }


# --- Worker pages that show personal data --------------------------------------------------------


def _first(model, **filters):
    return model._default_manager.filter(**filters).order_by("pk").first()


def worker_pages(world) -> dict:
    """name -> (url, owner, text only the owner's page shows, True when the page is one object)."""
    from academy.models import Enrolment
    from events.models import Registration
    from rewards.models import Voucher
    from subsidies.models import SubsidyApplication
    from volunteering.models import Recipient, Signup

    enrolment = _first(Enrolment)
    application = _first(SubsidyApplication)
    voucher = _first(Voucher)
    message = world.inbox_message
    request, report = world.service_request, world.report
    profile_owner = enrolment.worker
    subsidised = application.enrolment.offering.programme.major
    code = f"{voucher.code[:4]} {voucher.code[4:]}"  # as the page groups it
    registration = _first(Registration)
    recipient = _first(Recipient, task__signups__status=Signup.Status.SIGNED_UP)
    signup = _first(Signup, task=recipient.task, status=Signup.Status.SIGNED_UP)
    return {
        "me": (reverse("me"), profile_owner, profile_owner.real_name, False),
        "profile": (reverse("profile_edit"), profile_owner, profile_owner.real_name, False),
        "privacy": (reverse("privacy"), profile_owner, profile_owner.profile.id_number_masked, False),
        "academy_applications": (
            reverse("academy:applications"),
            enrolment.worker,
            enrolment.offering.programme.major,
            False,
        ),
        "academy_application": (
            reverse("academy:application", args=[enrolment.pk]),
            enrolment.worker,
            enrolment.offering.programme.major,
            True,
        ),
        "subsidies_mine": (reverse("subsidies:mine"), application.applicant, subsidised, False),
        "subsidy_application": (
            reverse("subsidies:application", args=[application.pk]),
            application.applicant,
            subsidised,
            True,
        ),
        "service_requests": (reverse("services:requests"), request.worker, request.reference, False),
        "service_request": (
            reverse("services:request_detail", args=[request.pk]),
            request.worker,
            who_asks_world.SERVICE_REQUEST_TEXT,
            True,
        ),
        "vouchers": (reverse("rewards:vouchers"), voucher.user, code, False),
        "voucher": (reverse("rewards:voucher", args=[voucher.pk]), voucher.user, code, True),
        "grid_reports": (
            reverse("governance:report_list"),
            report.reporter,
            reverse("governance:report_detail", args=[report.pk]),
            False,
        ),
        "grid_report": (
            reverse("governance:report_detail", args=[report.pk]),
            report.reporter,
            who_asks_world.REPORT_TEXT,
            True,
        ),
        "inbox": (reverse("inbox"), message.recipient, message.subject, False),
        "events_mine": (
            reverse("events:mine"),
            registration.user,
            reverse("events:detail", args=[registration.event_id]),
            False,
        ),
        "volunteer_mine": (
            reverse("volunteering:mine"),
            signup.volunteer,
            reverse("volunteering:task", args=[signup.task_id]),
            False,
        ),
        # Anyone may read the task; the elderly person's details only the volunteers signed up.
        "volunteer_task": (
            reverse("volunteering:task", args=[recipient.task_id]),
            signup.volunteer,
            recipient.address,
            False,
        ),
    }


WORKER_PAGES = (
    "me",
    "profile",
    "privacy",
    "academy_applications",
    "academy_application",
    "subsidies_mine",
    "subsidy_application",
    "service_requests",
    "service_request",
    "vouchers",
    "voucher",
    "grid_reports",
    "grid_report",
    "inbox",
    "events_mine",
    "volunteer_mine",
    "volunteer_task",
)


def secrets_of(user) -> list[str]:
    found = [user.real_name, *who_asks_world.phone_spellings(user.phone)]
    profile = getattr(user, "profile", None)
    if profile is not None and profile.id_number_encrypted:
        from core import crypto

        found.append(crypto.decrypt(profile.id_number_encrypted))
    return found


@pytest.fixture
def other_worker(db):
    """A worker with a complete profile and nothing else: another worker than the owner."""
    return WorkerProfileFactory(user=UserFactory(real_name="局外人", phone="+8613700000099")).user


@pytest.mark.parametrize("page", WORKER_PAGES)
@pytest.mark.parametrize("who", ["owner", "other_worker", "anonymous"])
def test_worker_page(world, page, who, client, other_worker):
    url, owner, shows, one_object = worker_pages(world)[page]
    if who == "owner":
        log_in_with(client, owner)
    elif who == "other_worker":
        log_in_with(client, other_worker)
    response = client.get(url)
    body = response.content.decode()
    if who == "owner":
        assert response.status_code == 200
        assert shows in body
        return
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == redirect_to_login(url)["Location"]
    else:
        assert response.status_code == (404 if one_object else 200)
    assert shows not in body
    assert [secret for secret in secrets_of(owner) if secret in body] == []
    assert world.leaked(body) == []


def test_opening_another_workers_message_is_404_and_marks_nothing_read(world, client, other_worker):
    message = world.inbox_message
    log_in_with(client, other_worker)
    response = client.post(reverse("inbox_open", args=[message.pk]))
    assert response.status_code == 404
    assert world.leaked(response.content.decode()) == []
    message.refresh_from_db()
    assert message.read_at is None
    # The recipient opens it: it is read now (so the 404 above was not a broken page).
    log_in_with(client, message.recipient)
    assert client.post(reverse("inbox_open", args=[message.pk])).status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
