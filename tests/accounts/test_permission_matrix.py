"""The permission matrix in README.md is the one the code computes, and it says what issue 13 asks.

Least privilege written down (issue 13): role by admin page, action and CSV export, from the
groups' real permissions and the admin registry (accounts/permission_matrix.py).
"""

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command

from accounts import permission_matrix
from accounts.permission_matrix import ALLOWED, DENIED, OWN_STATIONS, ROLES
from notifications.models import Message
from stations.admin_scope import StationScopedAdmin

pytestmark = pytest.mark.django_db

STALE = (
    "README.md's permission matrix is stale: run `python manage.py permission_matrix --write` and commit it."
)


def rows_by_what() -> dict[str, dict[str, str]]:
    return {row.what: row.answers for row in permission_matrix.rows()}


def test_the_readme_matrix_is_what_the_code_computes():
    readme = permission_matrix.README.read_text(encoding="utf-8")
    assert permission_matrix.section_of(readme) == permission_matrix.markdown(), STALE


def test_the_command_prints_the_matrix(capsys):
    call_command("permission_matrix")
    assert capsys.readouterr().out == permission_matrix.markdown()


def test_the_command_writes_only_between_the_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\nBefore.\n\n{permission_matrix.START}\nold table\n{permission_matrix.END}\n\nAfter.\n",
        encoding="utf-8",
    )
    call_command("permission_matrix", "--write", "--readme", str(readme))
    assert readme.read_text(encoding="utf-8") == (
        f"# Title\n\nBefore.\n\n{permission_matrix.START}\n{permission_matrix.markdown()}"
        f"{permission_matrix.END}\n\nAfter.\n"
    )
    assert capsys.readouterr().out == f"Wrote the permission matrix to {readme}.\n"


def test_the_command_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("permission_matrix", "--write", "--readme", str(readme))
    assert str(raised.value) == permission_matrix.MISSING_MARKERS
    assert readme.read_text(encoding="utf-8") == "# Title\n"


def test_the_message_admin_is_the_support_roles_alone():
    rows = rows_by_what()
    only_support = {role.key: DENIED for role in ROLES}
    assert rows["`notifications.Message`"] == {
        **only_support,
        "superuser": "view, change",
        "support": "view, change",
    }
    assert rows["`notifications.Message` action `resend`"] == {
        **only_support,
        "superuser": ALLOWED,
        "support": ALLOWED,
    }
    bodies = {row.what: row.answers for row in permission_matrix.special_permission_rows()}
    assert bodies["`notifications.view_message_body` Can read the text of personal messages"] == {
        **only_support,
        "superuser": ALLOWED,
        "support": ALLOWED,
    }


def test_staff_in_no_group_may_do_nothing():
    assert {row.answers["staff_no_group"] for row in permission_matrix.rows()} == {DENIED}


def test_station_staff_run_their_own_stations_and_superusers_every_one():
    rows = rows_by_what()
    assert rows["`events.Event`"]["station_staff"] == f"{OWN_STATIONS}: view, add, change"
    assert rows["`events.Event`"]["superuser"] == "view, add, change, delete"
    assert rows["`rewards.Voucher` action `confirm_handover`"]["station_staff"] == OWN_STATIONS
    assert rows["`rewards.Voucher` action `confirm_handover`"]["superuser"] == ALLOWED


class Probe(StationScopedAdmin):
    station_path = "station"  # a station-bound admin (the matrix queries nothing: any model will do)
    actions = ("export_probe", "poke")

    @admin.action(description="Export", permissions=["view"])
    def export_probe(self, request, queryset):
        pass

    @admin.action(description="Poke", permissions=["change"])
    def poke(self, request, queryset):
        pass


def test_a_new_admin_with_its_actions_and_exports_appears_by_itself():
    site = admin.AdminSite(name="probe")
    site.register(Message, Probe)
    rows = {row.what: row.answers for row in permission_matrix.rows(site)}
    assert list(rows) == [
        "`notifications.Message`",
        "`notifications.Message` CSV action `export_probe`",
        "`notifications.Message` action `poke`",
    ]
    # Built on the station-scope door, it is station-bound: the support role does not run every station.
    assert rows["`notifications.Message`"]["support"] == f"{OWN_STATIONS}: view, change"
    assert rows["`notifications.Message` CSV action `export_probe`"]["support"] == OWN_STATIONS
    assert rows["`notifications.Message` action `poke`"]["support"] == OWN_STATIONS
    assert rows["`notifications.Message`"]["superuser"] == "view, add, change, delete"
    assert rows["`notifications.Message`"]["checker"] == DENIED
    exports = permission_matrix.exports(site._registry[Message])
    assert [(export.name, export.is_action) for export in exports] == [("export_probe", True)]
