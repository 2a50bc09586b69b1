"""Types for the apps above accounts: the signed-in user and the request that carries one."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind login_required: its user is a User, never AnonymousUser.

    Only for annotations (django-stubs' recommended pattern); Django still passes an
    HttpRequest, so nothing may construct or isinstance-check this class.
    """

    user: User


__all__ = ["AuthenticatedHttpRequest", "User"]
