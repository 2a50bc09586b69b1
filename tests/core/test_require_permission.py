"""core.permissions.require_permission: the one check every staff write action makes."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from core.exceptions import ApplicationError, PermissionDenied
from core.permissions import require_permission
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
PERM = "subsidies.pay_instalment"


def holder(**fields):
    user = StaffFactory(**fields)
    user.user_permissions.add(Permission.objects.get(codename="pay_instalment"))
    return user


def test_active_staff_holding_one_of_the_permissions_pass():
    require_permission(holder(), PERM)
    require_permission(holder(), "subsidies.check_subsidyapplication", PERM)
    require_permission(StaffFactory(is_superuser=True), PERM)


@pytest.mark.parametrize(
    "who",
    ["nobody", "anonymous", "worker holding it", "inactive holder", "staff without it"],
)
def test_everyone_else_is_refused_with_the_permission_named(who):
    user = {
        "nobody": lambda: None,
        "anonymous": AnonymousUser,
        "worker holding it": lambda: _worker_with_permission(),
        "inactive holder": lambda: holder(is_active=False),
        "staff without it": StaffFactory,
    }[who]()
    with pytest.raises(PermissionDenied) as error:
        require_permission(user, PERM, "subsidies.approve_subsidyapplication")
    assert isinstance(error.value, ApplicationError)
    assert (error.value.message, error.value.status_code) == (
        "您没有执行此操作的权限（subsidies.pay_instalment / subsidies.approve_subsidyapplication）。",
        403,
    )


def _worker_with_permission():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="pay_instalment"))
    return user


def test_an_app_may_word_the_refusal_itself():
    with pytest.raises(PermissionDenied) as error:
        require_permission(StaffFactory(), PERM, message="只有财务人员可以这样做。")
    assert error.value.message == "只有财务人员可以这样做。"
