"""Who may do what in admin, computed from the staff groups' permissions and the admin registry.

Least privilege is only real when it is written down and checked: the matrix in README.md
("Who may do what") is this module's output, `python manage.py permission_matrix --write`
rewrites it, and a test fails when the README and the code disagree. The answers come from the
admin classes themselves (`has_view_permission`, `get_actions`, ...) asked on behalf of a staff
member holding exactly one role's permissions (as accounts/roles.py declares them), so a new
admin, action or export shows up without anyone listing it here.

What an admin offers:
- its changelist and change page (view), add, change and delete;
- every action it declares (`actions = (...)`), gated as Django gates them (`get_actions`);
- its CSV exports: an action named `export_...` (the selected rows, or the filtered list), or a
  URL of its own whose route ends in `.csv` (the filtered list), which is gated by the view
  permission (tests/core/test_who_asks.py asks every one of them over HTTP).

Station-bound admins (built on the station-scope door, stations.admin_scope.StationScopedAdmin)
show staff who do not see every station only the rows of the stations they run: "own stations".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import URLPattern
from django.utils import translation

from accounts import roles

if TYPE_CHECKING:
    from accounts.models import User

START = "<!-- permission-matrix:start -->"
END = "<!-- permission-matrix:end -->"
README = Path(settings.BASE_DIR) / "README.md"
MISSING_MARKERS = f"README.md has no section between {START} and {END}."

ALLOWED = "yes"
DENIED = "—"
OWN_STATIONS = "own stations"

PAGE_OPERATIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    group: str | None = None
    superuser: bool = False


ROLES = (
    Role("superuser", "superuser", superuser=True),
    Role("checker", roles.CHECKER, roles.CHECKER),
    Role("approver", roles.APPROVER, roles.APPROVER),
    Role("service_staff", roles.SERVICE_STAFF, roles.SERVICE_STAFF),
    Role("grid_admin", roles.GRID_ADMIN, roles.GRID_ADMIN),
    Role("station_staff", roles.STATION_STAFF, roles.STATION_STAFF),
    Role("support", roles.SUPPORT, roles.SUPPORT),
    Role("staff_no_group", "staff, no group"),
)
ROLES_BY_KEY = {role.key: role for role in ROLES}


@dataclass(frozen=True)
class Export:
    """A CSV export of an admin: an `export_...` action, or a URL of its own ending in `.csv`."""

    model_admin: admin.ModelAdmin
    name: str
    is_action: bool
    route: str = ""  # for a URL export: its route under the admin's changelist


def registered_admins(site: admin.AdminSite | None = None) -> list[admin.ModelAdmin]:
    site = site or admin.site
    return sorted(site._registry.values(), key=lambda ma: ma.model._meta.label_lower)


def is_station_scoped(model_admin: admin.ModelAdmin) -> bool:
    """Built on the station-scope door (stations.admin_scope.StationScopedAdmin), which it asks.

    Duck-typed: accounts sits below stations and must not import it.
    """
    return callable(getattr(model_admin, "sees_every_station", None))


def is_csv_action(name: str) -> bool:
    return name.startswith("export_")


def declared_actions(model_admin: admin.ModelAdmin) -> list[str]:
    """The actions the admin itself declares (admin's site-wide delete_selected is the delete column)."""
    names = []
    for action in model_admin.actions or ():
        name = action if isinstance(action, str) else action.__name__
        names.append(name)
    return names


def csv_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    return [
        pattern
        for pattern in model_admin.get_urls()
        if isinstance(pattern, URLPattern) and str(pattern.pattern).endswith(".csv") and pattern.name
    ]


def exports(model_admin: admin.ModelAdmin) -> list[Export]:
    found = [Export(model_admin, name, True) for name in declared_actions(model_admin) if is_csv_action(name)]
    # csv_urls keeps only named patterns; the condition says so to mypy too.
    found += [Export(model_admin, p.name, False, str(p.pattern)) for p in csv_urls(model_admin) if p.name]
    return found


def role_permissions(role: Role) -> set[str]:
    if role.group is None:
        return set()
    group = Group.objects.get(name=role.group)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(group=group).values_list(
            "content_type__app_label", "codename"
        )
    }


def user_for(role: Role) -> User:
    """An unsaved staff member holding exactly the role's permissions: asked, never stored."""
    from accounts.models import User

    user = User(phone="+8613900009999", is_staff=True, is_active=True, is_superuser=role.superuser)
    permissions = role_permissions(role)
    # ModelBackend reads these caches before it would query (django.contrib.auth.backends).
    # They are Django's private attributes, so set through vars(): User declares none of them.
    vars(user).update(_user_perm_cache=set(), _group_perm_cache=permissions, _perm_cache=set(permissions))
    return user


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _scoped(model_admin, user, allowed: bool) -> str:
    if not allowed:
        return DENIED
    if is_station_scoped(model_admin) and not model_admin.sees_every_station(request_for(user)):
        return OWN_STATIONS
    return ALLOWED


def page_answers(model_admin, user) -> dict[str, str]:
    request = request_for(user)
    return {
        "view": _scoped(model_admin, user, model_admin.has_view_or_change_permission(request)),
        "add": _scoped(model_admin, user, model_admin.has_add_permission(request)),
        "change": _scoped(model_admin, user, model_admin.has_change_permission(request)),
        "delete": _scoped(model_admin, user, model_admin.has_delete_permission(request)),
    }


def action_answer(model_admin, user, name: str) -> str:
    request = request_for(user)
    allowed = model_admin.has_view_or_change_permission(request) and name in model_admin.get_actions(request)
    return _scoped(model_admin, user, allowed)


def csv_url_answer(model_admin, user) -> str:
    return _scoped(model_admin, user, model_admin.has_view_permission(request_for(user)))


def export_answer(export: Export, user) -> str:
    if export.is_action:
        return action_answer(export.model_admin, user, export.name)
    return csv_url_answer(export.model_admin, user)


@dataclass(frozen=True)
class Row:
    what: str
    answers: dict[str, str]  # role key -> ALLOWED / DENIED / OWN_STATIONS / a list of page operations


def _pages_cell(answers: dict[str, str]) -> str:
    allowed = [op for op in PAGE_OPERATIONS if answers[op] != DENIED]
    if not allowed:
        return DENIED
    own = any(answers[op] == OWN_STATIONS for op in allowed)
    return (f"{OWN_STATIONS}: " if own else "") + ", ".join(allowed)


def rows(site: admin.AdminSite | None = None) -> list[Row]:
    """One row per admin (its pages), then one per action and one per CSV export."""
    users = {role.key: user_for(role) for role in ROLES}
    result = []
    with translation.override("en"):
        for model_admin in registered_admins(site):
            label = f"`{model_admin.model._meta.label}`"
            result.append(
                Row(label, {key: _pages_cell(page_answers(model_admin, user)) for key, user in users.items()})
            )
            for name in declared_actions(model_admin):
                kind = "CSV action" if is_csv_action(name) else "action"
                result.append(
                    Row(
                        f"{label} {kind} `{name}`",
                        {key: action_answer(model_admin, user, name) for key, user in users.items()},
                    )
                )
            for pattern in csv_urls(model_admin):
                result.append(
                    Row(
                        f"{label} CSV `{pattern.pattern}`",
                        {key: csv_url_answer(model_admin, user) for key, user in users.items()},
                    )
                )
    return result


def special_permission_rows() -> list[Row]:
    """Permissions beyond view/add/change/delete (Meta.permissions): who holds each."""
    holders = {role.key: role_permissions(role) for role in ROLES if not role.superuser}
    result = []
    permissions = Permission.objects.select_related("content_type").order_by(
        "content_type__app_label", "codename"
    )
    for permission in permissions:
        if permission.codename in {f"{op}_{permission.content_type.model}" for op in PAGE_OPERATIONS}:
            continue  # a page permission: the admin rows say who has it
        code = f"{permission.content_type.app_label}.{permission.codename}"
        answers = {"superuser": ALLOWED}
        answers.update({key: ALLOWED if code in perms else DENIED for key, perms in holders.items()})
        result.append(Row(f"`{code}` {permission.name}", answers))
    return result


def _table(header: str, table_rows: list[Row]) -> list[str]:
    lines = [
        "| " + " | ".join([header, *(role.label for role in ROLES)]) + " |",
        "|" + "---|" * (len(ROLES) + 1),
    ]
    for row in table_rows:
        lines.append("| " + " | ".join([row.what, *(row.answers[role.key] for role in ROLES)]) + " |")
    return lines


def markdown(site: admin.AdminSite | None = None) -> str:
    lines = [
        "<!-- Generated by `python manage.py permission_matrix --write`: do not edit by hand. -->",
        "",
        "Admin opens only for staff (`is_staff`) whose session passed the password and the second factor;",
        "workers and anonymous visitors get none of it. An admin row lists the pages a role may open",
        "(view: the list and the change page read-only; add; change; delete). "
        f'"{OWN_STATIONS}": only the rows of the stations that staff member runs.',
        "",
        *_table("admin, action or CSV export", rows(site)),
        "",
        "Permissions beyond the pages (checked in actions and views):",
        "",
        *_table("permission", special_permission_rows()),
    ]
    return "\n".join(lines) + "\n"


def replace_section(text: str, table: str) -> str:
    start, end = text.find(START), text.find(END)
    if start == -1 or end == -1 or end < start:
        raise ValueError(MISSING_MARKERS)
    return text[: start + len(START)] + "\n" + table + text[end:]


def section_of(text: str) -> str:
    start, end = text.find(START), text.find(END)
    if start == -1 or end == -1 or end < start:
        raise ValueError(MISSING_MARKERS)
    return text[start + len(START) + 1 : end]
