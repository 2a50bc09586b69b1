"""Staff roles are declared in accounts/roles.py and applied after every migrate, idempotently."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts import roles


def group_permissions() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def test_after_migrate_the_groups_hold_exactly_what_roles_declares(db):
    assert group_permissions() == roles.ROLE_PERMISSIONS


def test_applying_again_changes_nothing_and_undoes_hand_edits(db):
    checker = Group.objects.get(name=roles.CHECKER)
    checker.permissions.add(Permission.objects.get(codename="view_message"))  # granted by hand
    checker.permissions.remove(Permission.objects.get(codename="decide_enrolment"))  # revoked by hand
    Group.objects.get(name=roles.SUPPORT).delete()

    roles.apply_roles()
    roles.apply_roles()

    assert group_permissions() == roles.ROLE_PERMISSIONS


def test_migrate_applies_them(db):
    Group.objects.get(name=roles.APPROVER).permissions.clear()
    call_command("migrate", verbosity=0)
    assert group_permissions()[roles.APPROVER] == roles.ROLE_PERMISSIONS[roles.APPROVER]


def test_a_role_naming_a_permission_that_does_not_exist_stops_the_migrate(db, monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, roles.SUPPORT, {"notifications.read_minds"})
    with pytest.raises(
        roles.UnknownPermission, match=r"客服 support: no such permission notifications.read_minds"
    ):
        roles.apply_roles()
    assert group_permissions()[roles.SUPPORT] == {
        "notifications.view_message",
        "notifications.change_message",
        "notifications.view_message_body",
        "accounts.see_phone_number",
    }
