import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts import roles
from accounts.models import User, WorkerProfile

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    users, profiles = User.objects.count(), WorkerProfile.objects.count()
    call_command("seed_demo")
    assert (User.objects.count(), WorkerProfile.objects.count()) == (users, profiles)
    documented = {"+8613800000001", "+8613800000002", "+8613800000003", "+8613900000000", "+8613900000001"}
    documented |= {"+8613900000002", "+8613900000003", "+8613900000004", "+8613900000005"}
    assert documented <= set(User.objects.values_list("phone", flat=True))
    assert all(profile.is_complete for profile in WorkerProfile.objects.select_related("user"))
    checker = User.objects.get(phone="+8613900000001")
    assert list(checker.groups.values_list("name", flat=True)) == [roles.CHECKER]
    assert checker.check_password("xiaoge-demo")
    station_lead = User.objects.get(phone="+8613900000004")
    assert list(station_lead.groups.values_list("name", flat=True)) == [roles.STATION_STAFF]
    assert station_lead.stations_led.count() == 3
    support = User.objects.get(phone="+8613900000005")
    assert (support.is_staff, support.is_superuser) == (True, False)
    assert list(support.groups.values_list("name", flat=True)) == [roles.SUPPORT]
    # Every demo staff member has the demo authenticator (accounts/demo_totp.py), once.
    staff = User.objects.filter(phone__in=[f"+8613900000{n:03d}" for n in range(6)], is_staff=True)
    assert Authenticator.objects.filter(user__in=staff, type=Authenticator.Type.TOTP).count() == 6


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="Demo data is only loaded"):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_staff_groups_exist_with_their_permissions():
    # Every staff member may look up workers; the apps add their own. Messages are the support
    # role's alone (issue 13: the other groups lost notifications.view_message).
    common = {"view_user", "view_workerprofile"}
    for name in roles.STAFF_GROUPS:
        group = Group.objects.get(name=name)
        codenames = set(group.permissions.values_list("codename", flat=True))
        if name == roles.SUPPORT:
            assert codenames == {"view_message", "change_message", "view_message_body", "see_phone_number"}
        else:
            assert common <= codenames
            assert "view_message" not in codenames
