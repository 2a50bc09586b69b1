"""Staff roles: each group and exactly the permissions it holds, declared here and nowhere else.

`apply_roles()` makes the database say what this module says (groups created, permissions
added and removed), idempotently; it runs after every `migrate` (accounts.apps), so changing a
role is an edit of this file. README's "Who may do what" is computed from the result
(`manage.py permission_matrix --write`). Superusers hold every permission and are not a role.
"""

from django.db import DEFAULT_DB_ALIAS

CHECKER = "审核员 checker"
APPROVER = "审批人 approver"
SERVICE_STAFF = "服务专员 service staff"
GRID_ADMIN = "网格管理员 grid admin"
# Runs courier stations: topics, sessions, events, volunteer teams, rewards and hand-overs.
STATION_STAFF = "驿站管理员 station staff"
# Answers people about the messages they got (or did not): the only group that reads the
# message admin and the text of personal messages.
SUPPORT = "客服 support"

STAFF_GROUPS = (CHECKER, APPROVER, SERVICE_STAFF, GRID_ADMIN, STATION_STAFF, SUPPORT)


def _crud(app_label: str, model: str, *operations: str) -> set[str]:
    return {f"{app_label}.{operation}_{model}" for operation in operations}


ALL = ("view", "add", "change", "delete")

# Every role but support looks workers up (a name and, for most, the number to call).
LOOK_UP_WORKERS = {"accounts.view_user", "accounts.view_workerprofile"}
# Read workers' mobile numbers in full: they call applicants and people who asked for help, and
# support finds a caller's messages by the number they give (the message admin is all support
# opens). Station staff do not need it (they see 138****0001).
SEE_FULL_PHONE = "accounts.see_phone_number"

ACADEMY_READ = {
    "academy.view_enrolment",
    "academy.view_enrolmentevent",
    "academy.view_intake",
    "academy.view_offering",
    "academy.view_programme",
    "academy.view_university",
}
SUBSIDIES_READ = {
    "subsidies.view_applicationevent",
    "subsidies.view_budget",
    "subsidies.view_instalment",
    "subsidies.view_occupationcap",
    "subsidies.view_scheme",
    "subsidies.view_subsidyapplication",
}

# The district dashboard (aggregates only): every district role reads it; station staff read
# the dashboard of their own stations (dashboard.selectors).
DISTRICT_DASHBOARD = {"dashboard.view_district_dashboard"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    # First review of enrolments and subsidy applications; reads the partner API clients.
    CHECKER: LOOK_UP_WORKERS
    | {SEE_FULL_PHONE}
    | ACADEMY_READ
    | SUBSIDIES_READ
    | DISTRICT_DASHBOARD
    | {"academy.decide_enrolment", "academy.view_apiclient", "subsidies.check_subsidyapplication"},
    # Second review of subsidies (never the same person as the check) and payment of instalments.
    APPROVER: LOOK_UP_WORKERS
    | {SEE_FULL_PHONE}
    | ACADEMY_READ
    | SUBSIDIES_READ
    | DISTRICT_DASHBOARD
    | {"subsidies.approve_subsidyapplication", "subsidies.pay_instalment"},
    # The service directory and the service requests workers file.
    SERVICE_STAFF: LOOK_UP_WORKERS
    | {SEE_FULL_PHONE}
    | DISTRICT_DASHBOARD
    | set().union(
        *(
            _crud("services", model, *ALL)
            for model in (
                "organization",
                "scenario",
                "schedule",
                "scheduleexception",
                "service",
                "serviceatpoint",
                "servicepoint",
            )
        )
    )
    # The delivery guide map (网约配送 is one of the ten scenarios): sites and their parts, and the
    # decisions on riders' corrections of any site (a site's own managers decide on the portal).
    | set().union(
        *(
            _crud("delivery", model, *ALL)
            for model in (
                "site",
                "gate",
                "parking",
                "droppoint",
                "building",
                "unitentrance",
                "lift",
                "sitenote",
            )
        )
    )
    | {"delivery.view_correction", "delivery.review_correction", "delivery.view_correctiondecision"}
    | {"delivery.view_sitechange"}
    | {
        "services.add_servicerequestnote",
        "services.view_servicerequestnote",
        "services.change_servicerequest",
        "services.view_servicerequest",
        "services.view_servicerequestphoto",
    },
    # Grids, their members, street reports, Open311 keys and the whole points ledger.
    GRID_ADMIN: LOOK_UP_WORKERS
    | {SEE_FULL_PHONE}
    | DISTRICT_DASHBOARD
    | _crud("governance", "apikey", "view", "add", "change")
    | _crud("governance", "grid", "view", "add", "change")
    | _crud("governance", "gridmember", "view", "add", "change")
    | _crud("governance", "category", "view", "change")
    | _crud("governance", "report", "view", "change")
    | _crud("points", "pointrule", "view", "change")
    | {
        "points.view_all_points",
        "points.view_pointentry",
        "governance.view_reportphoto",
        "governance.view_reportupdate",
    }
    # 随手帮 and 随口说 (voice): verify help, post and confirm help requests, route and answer opinions.
    | _crud("voice", "helpdeed", "view", "change")
    | _crud("voice", "helprequest", "view", "add", "change")
    | _crud("voice", "opinion", "view", "change"),
    # The stations they run (stations.admin_scope keeps them to those): deliberation, events,
    # volunteering, rewards stock and hand-overs, and the ledger lines their stations wrote.
    # Not the check-in code at the venue screen (events.show_checkin_code: district staff).
    STATION_STAFF: LOOK_UP_WORKERS
    | {"dashboard.view_station_dashboard"}
    | _crud("events", "event", "view", "add", "change")
    | _crud("events", "contestresult", "view", "add", "change")
    | {"events.view_checkin", "events.view_registration"}
    | {"points.view_pointentry", "points.view_pointrule"}
    | {"rewards.change_rewardstock", "rewards.view_rewardstock"}
    | {"rewards.view_leaderboardoptin", "rewards.view_reward", "rewards.view_voucher"}
    | {"services.view_servicepoint"}
    | _crud("deliberation", "followupaction", "view", "add", "change")
    | _crud("deliberation", "session", "view", "add", "change")
    | {"deliberation.change_topic", "deliberation.view_topic", "deliberation.view_topicupdate"}
    | {"deliberation.view_support", "stations.view_station"}
    | _crud("volunteering", "task", "view", "add", "change")
    | _crud("volunteering", "team", "view", "add", "change")
    | {"volunteering.see_recipient", "volunteering.view_membership", "volunteering.view_signup"},
    # The message admin: who got which message, resending; the only role that reads their text.
    SUPPORT: {
        "notifications.view_message",
        "notifications.change_message",
        "notifications.view_message_body",
        SEE_FULL_PHONE,
    },
}


class UnknownPermission(LookupError):
    pass


def apply_roles(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Groups hold exactly ROLE_PERMISSIONS: added where missing, removed where granted by hand."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # post_migrate reaches apps one by one; the permissions of every app must exist first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    known = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for name, permissions in ROLE_PERMISSIONS.items():
        missing = sorted(permissions - known.keys())
        if missing:
            raise UnknownPermission(f"{name}: no such permission {', '.join(missing)}")
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([known[permission] for permission in permissions])


def group_label(name: str) -> str:
    """A staff group as the reader reads it: "审核员 checker" is 审核员 in Chinese, checker in English."""
    from django.utils.translation import get_language

    chinese, _space, english = name.partition(" ")
    if name not in STAFF_GROUPS or not english:
        return name
    return english if (get_language() or "").startswith("en") else chinese
