"""Every page a worker (or a visitor before signing up) can open, with a real address in the demo data.

The accessibility, zoom and weight tests walk these. `uncovered_worker_url_names()` fails them when
a URL name of a worker-facing URLconf is neither a page here nor named in NOT_PAGES with why, so a
new page cannot skip the checks.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# The URLconfs workers use: the namespaced apps, and the names at the root that are worker pages.
WORKER_NAMESPACES = {
    "services",
    "academy",
    "subsidies",
    "governance",
    "delivery",
    "deliberation",
    "events",
    "volunteering",
    "voice",
    "rewards",
}
ROOT_NAMES = {"home", "offline", "me", "profile_edit", "privacy", "privacy_withdraw", "inbox"}
ROOT_NAMES |= {"inbox_open", "inbox_mark_all_read", "account_login", "account_signup"}
ROOT_NAMES |= {"account_request_login_code", "account_confirm_login_code", "account_logout"}

# Demo workers (accounts/demo.py) whose data the pages below show.
ZHANG = "+8613800000001"  # grid member, help deeds, opinions, vouchers, corrections, a submitted application
LI = "+8613800000002"  # admitted, a submitted subsidy application, a volunteer team lead
WANG = "+8613800000003"  # a draft application with its certificate
SUN = "+8613800000005"  # enrolled, an approved subsidy
WU = "+8613800000007"  # enrolled, no subsidy application yet
FENG = "+8613800000009"  # admitted: prepare() starts a subsidy application (a draft)


@dataclass(frozen=True)
class Page:
    name: str  # the URL name
    phone: str | None  # the demo worker who opens it; None: a visitor not logged in
    path: Callable[[], str]  # reads the demo data for the address
    map: bool = False  # a page with a map: its weight budget is larger


def _first(model, **filters):
    obj = model.objects.filter(**filters).order_by("pk").first()
    assert obj is not None, f"the demo data has no {model.__name__} with {filters}"
    return obj


def _user(phone):
    from accounts.models import User

    return User.objects.get(phone=phone)


def _r(name, *args):
    return lambda: reverse(name, args=[a() if callable(a) else a for a in args])


def _enrolment(phone):
    from academy.models import Enrolment

    return lambda: _first(Enrolment, worker=_user(phone)).pk


def _subsidy(phone):
    from subsidies.models import SubsidyApplication

    return lambda: _first(SubsidyApplication, applicant=_user(phone)).pk


def _pk(model_path: str, attr: str = "pk", **filters):
    def get():
        from django.apps import apps

        model = apps.get_model(model_path)
        values = {
            k: (
                _user(v) if k.endswith(("worker", "user", "proposer", "lead", "raised_by", "reporter")) else v
            )
            for k, v in filters.items()
        }
        return getattr(_first(model, **values), attr)

    return get


def _uuid(model_path: str):
    def get():
        from django.apps import apps

        return _first(apps.get_model(model_path)).uuid

    return get


def _scenario():
    from services.models import Scenario

    return _first(Scenario).code


PAGES = [
    # Before logging in.
    Page("home", None, _r("home")),
    Page("account_login", None, _r("account_login")),
    Page("account_request_login_code", None, _r("account_request_login_code")),
    Page("account_signup", None, _r("account_signup")),
    Page("offline", None, _r("offline")),
    Page("academy:programmes", None, _r("academy:programmes")),
    Page("services:index", None, _r("services:index")),
    Page("events:list", None, _r("events:list")),
    Page("governance:public", None, _r("governance:public"), map=True),
    Page("delivery:search", None, _r("delivery:search")),
    # A worker.
    Page("home", ZHANG, _r("home")),
    Page("me", ZHANG, _r("me")),
    Page("profile_edit", ZHANG, _r("profile_edit")),
    Page("privacy", ZHANG, _r("privacy")),
    Page("inbox", ZHANG, _r("inbox")),
    Page("academy:programmes", ZHANG, _r("academy:programmes")),
    Page("academy:programme", ZHANG, _r("academy:programme", _pk("academy.Programme"))),
    Page("academy:apply", ZHANG, _r("academy:apply")),
    Page("academy:applications", ZHANG, _r("academy:applications")),
    Page("academy:application", LI, _r("academy:application", _enrolment(LI))),
    Page("academy:certificate", WANG, _r("academy:certificate", _enrolment(WANG))),
    Page("academy:review", WANG, _r("academy:review", _enrolment(WANG))),
    Page("subsidies:mine", LI, _r("subsidies:mine")),
    Page("subsidies:apply", WU, _r("subsidies:apply", _enrolment(WU))),
    Page("subsidies:application", LI, _r("subsidies:application", _subsidy(LI))),
    Page("subsidies:documents", FENG, _r("subsidies:documents", _subsidy(FENG))),
    Page("subsidies:review", FENG, _r("subsidies:review", _subsidy(FENG))),
    Page("services:index", ZHANG, _r("services:index")),
    Page("services:scenario", ZHANG, _r("services:scenario", _scenario)),
    Page("services:near_me", ZHANG, _r("services:near_me")),
    Page("services:near_me_map", ZHANG, _r("services:near_me_map"), map=True),
    Page("services:point", ZHANG, _r("services:point", _uuid("services.ServicePoint"))),
    Page("services:requests", ZHANG, _r("services:requests")),
    Page("services:request_new", ZHANG, _r("services:request_new")),
    Page(
        "services:request_detail",
        ZHANG,
        _r("services:request_detail", _pk("services.ServiceRequest", worker=ZHANG)),
    ),
    Page("governance:index", ZHANG, _r("governance:index")),
    Page("governance:report_new", ZHANG, _r("governance:report_new"), map=True),
    Page("governance:report_list", ZHANG, _r("governance:report_list")),
    Page(
        "governance:report_detail",
        ZHANG,
        _r("governance:report_detail", _pk("governance.Report", reporter=ZHANG)),
    ),
    Page("governance:points", ZHANG, _r("governance:points")),
    Page("governance:public", ZHANG, _r("governance:public"), map=True),
    Page("voice:index", ZHANG, _r("voice:index")),
    Page("voice:deed_new", ZHANG, _r("voice:deed_new")),
    Page("voice:deed_list", ZHANG, _r("voice:deed_list")),
    Page("voice:deed_detail", ZHANG, _r("voice:deed_detail", _pk("voice.HelpDeed", worker=ZHANG))),
    Page("voice:request_detail", ZHANG, _r("voice:request_detail", _pk("voice.HelpRequest"))),
    Page("voice:opinion_new", ZHANG, _r("voice:opinion_new")),
    Page("voice:opinion_list", ZHANG, _r("voice:opinion_list")),
    Page("voice:opinion_detail", ZHANG, _r("voice:opinion_detail", _pk("voice.Opinion", worker=ZHANG))),
    Page("delivery:search", ZHANG, _r("delivery:search")),
    Page("delivery:near", ZHANG, _r("delivery:near"), map=True),
    Page("delivery:site", ZHANG, _r("delivery:site", _uuid("delivery.Site")), map=True),
    Page("delivery:correct", ZHANG, _r("delivery:correct", _uuid("delivery.Site")), map=True),
    Page("delivery:corrections", ZHANG, _r("delivery:corrections")),
    Page("delivery:correction", ZHANG, _r("delivery:correction", _pk("delivery.Correction", proposer=ZHANG))),
    Page("deliberation:station_list", ZHANG, _r("deliberation:station_list")),
    Page("deliberation:station_detail", ZHANG, _r("deliberation:station_detail", _pk("stations.Station"))),
    Page("deliberation:topic_new", ZHANG, _r("deliberation:topic_new", _pk("stations.Station"))),
    Page("deliberation:my_topics", ZHANG, _r("deliberation:my_topics")),
    Page(
        "deliberation:topic_detail",
        ZHANG,
        _r("deliberation:topic_detail", _pk("deliberation.Topic", raised_by=ZHANG)),
    ),
    Page("events:list", ZHANG, _r("events:list")),
    Page("events:mine", ZHANG, _r("events:mine")),
    Page("events:detail", ZHANG, _r("events:detail", _pk("events.Event"))),
    Page("events:checkin", ZHANG, _r("events:checkin", _pk("events.Event"))),
    Page(
        "events:checkin_done",
        ZHANG,
        _r("events:checkin_done", _pk("events.CheckIn", user=ZHANG, attr="event_id")),
    ),
    Page("volunteering:teams", ZHANG, _r("volunteering:teams")),
    Page("volunteering:team", ZHANG, _r("volunteering:team", _pk("volunteering.Team"))),
    Page("volunteering:lead", LI, _r("volunteering:lead", _pk("volunteering.Team", lead=LI))),
    Page("volunteering:task_new", LI, _r("volunteering:task_new", _pk("volunteering.Team", lead=LI))),
    Page("volunteering:task", ZHANG, _r("volunteering:task", _pk("volunteering.Task"))),
    Page("volunteering:task_confirm", LI, _r("volunteering:task_confirm", _pk("volunteering.Task"))),
    Page("volunteering:mine", ZHANG, _r("volunteering:mine")),
    Page("rewards:store", ZHANG, _r("rewards:store")),
    Page("rewards:vouchers", ZHANG, _r("rewards:vouchers")),
    Page("rewards:voucher", ZHANG, _r("rewards:voucher", _pk("rewards.Voucher", user=ZHANG))),
    Page("rewards:leaderboard", ZHANG, _r("rewards:leaderboard")),
    # Error pages: a page that is not there.
    Page("404", ZHANG, lambda: "/no-such-page/"),
]

# URL names of the worker URLconfs that are not pages, each with why.
NOT_PAGES = {
    # Answer a form's POST and send the worker on.
    "privacy_withdraw": "POST: withdraws a consent",
    "inbox_open": "redirects to the message's page",
    "inbox_mark_all_read": "POST",
    "account_logout": "POST (its GET asks the same question as the tab bar's button)",
    "account_confirm_login_code": "needs a code just requested: tests/e2e/test_keyboard.py opens it",
    "academy:withdraw": "POST",
    "academy:certificate_file": "a file (PDF or image)",
    "subsidies:withdraw": "POST",
    "subsidies:appeal": "POST (the form is on the application's page)",
    "services:request_rate": "POST (the form is on the request's page)",
    "delivery:rate": "POST (the form is on the site's page)",
    "subsidies:document_file": "a file",
    "services:request_photo": "an image",
    "governance:nearby": "JSON for the report form",
    "governance:report_reopen": "POST",
    "governance:report_follow": "POST",
    "governance:photo": "an image",
    "voice:deed_photo": "an image",
    "voice:request_take": "POST",
    "voice:request_done": "POST",
    "voice:opinion_audio": "a recording",
    "delivery:decide": "POST",
    "delivery:photo": "an image",
    "deliberation:topic_support": "POST",
    "deliberation:topic_unsupport": "POST",
    "deliberation:topic_accept": "POST",
    "deliberation:topic_close": "POST",
    "deliberation:photo": "an image",
    "events:register": "POST",
    "events:cancel": "POST",
    "events:calendar": "an .ics file",
    "events:screen": "the venue's screen for staff (a QR code on a TV), not a worker's page",
    "volunteering:team_join": "POST",
    "volunteering:team_leave": "POST",
    "volunteering:request_accept": "POST",
    "volunteering:request_decline": "POST",
    "volunteering:task_signup": "POST",
    "volunteering:task_withdraw": "POST",
    "volunteering:task_cancel": "POST",
    "rewards:redeem": "POST",
    "rewards:cancel": "POST",
    "rewards:leaderboard_opt": "POST",
    "rewards:handover": "the station staff's counter page, not a worker's",
}


def prepare() -> None:
    """What the demo data lacks for a page above: a street report of the grid member's own (the
    demo's only report came in through Open311) and a subsidy application still in draft."""
    from academy.models import Enrolment
    from governance.actions import report_submit
    from governance.models import Category, Report
    from subsidies.actions import application_start
    from subsidies.models import SubsidyApplication
    from tests.governance.factories import clean_photo

    zhang = _user(ZHANG)
    if not Report.objects.filter(reporter=zhang).exists():
        report_submit(
            reporter=zhang,
            category=Category.objects.get(code="road"),
            photos=[clean_photo()],
            street="jiangcun",
            address="龙湖天街东门",
            description="井盖松动",
        )
    feng = _user(FENG)
    if not SubsidyApplication.objects.filter(applicant=feng).exists():
        application_start(worker=feng, enrolment_id=_first(Enrolment, worker=feng).pk)


def _names(resolver, namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def worker_url_names() -> set[str]:
    names = set(_names(get_resolver()))
    return {n for n in names if n.split(":")[0] in WORKER_NAMESPACES and ":" in n} | (names & ROOT_NAMES)


def uncovered_worker_url_names() -> set[str]:
    covered = {page.name for page in PAGES} | set(NOT_PAGES)
    return worker_url_names() - covered


ADMIN = "+8613900000000"  # the demo's system administrator
CHECKER = "+8613900000001"  # 陈审核: a subsidy application's first decision is theirs


def _admin_change(model_path: str, **filters):
    def path():
        from django.apps import apps

        model = apps.get_model(model_path)
        info = (model._meta.app_label, model._meta.model_name)
        return reverse("admin:{}_{}_change".format(*info), args=[_first(model, **filters).pk])

    return path


def _changelist(model_path: str):
    app_label, model_name = model_path.lower().split(".")
    return _r(f"admin:{app_label}_{model_name}_changelist")


# The admin pages staff spend their day in: the index, the big lists, a change page of each kind of
# decision (the subsidy's as the checker who decides it), and the dashboards.
ADMIN_PAGES = [
    Page("admin:index", ADMIN, _r("admin:index")),
    *[
        Page(f"admin:{m}", ADMIN, _changelist(m))
        for m in [
            "accounts.User",
            "accounts.WorkerProfile",
            "academy.Enrolment",
            "subsidies.SubsidyApplication",
            "subsidies.Instalment",
            "services.ServiceRequest",
            "services.ServicePoint",
            "governance.Report",
            "events.Event",
            "deliberation.Topic",
            "volunteering.Task",
            "rewards.Voucher",
            "delivery.Correction",
            "notifications.Message",
            "core.AuditEntry",
        ]
    ],
    Page("admin:enrolment_change", ADMIN, _admin_change("academy.Enrolment", status="submitted")),
    Page("admin:servicerequest_change", ADMIN, _admin_change("services.ServiceRequest")),
    Page("admin:report_change", ADMIN, _admin_change("governance.Report")),
    Page(
        "admin:subsidy_decision", CHECKER, _admin_change("subsidies.SubsidyApplication", status="submitted")
    ),
    Page("admin:user_change", ADMIN, _admin_change("accounts.User", is_staff=False)),
    Page("dashboard:district", ADMIN, _r("dashboard:district")),
    Page("dashboard:station", ADMIN, _r("dashboard:station")),
    Page("dashboard:report", ADMIN, _r("dashboard:report")),
]
