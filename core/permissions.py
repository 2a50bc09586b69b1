"""The one permission check of every staff write: each action calls it first, before it reads or locks."""

from django.utils.translation import gettext_lazy

from core.exceptions import PermissionDenied

NOT_ALLOWED = gettext_lazy("You do not have the permission to do this (%(permission)s).")


def require_permission(user, *permissions: str, message=None) -> None:
    """Pass if the active staff member holds ANY of `permissions`; otherwise refuse with `message`.

    Views, admin, API and tasks only parse and call the action: this is where the refusal happens.
    """
    if user is not None and user.is_active and user.is_staff and any(user.has_perm(p) for p in permissions):
        return
    text = message if message is not None else NOT_ALLOWED % {"permission": " / ".join(permissions)}
    raise PermissionDenied(str(text))
