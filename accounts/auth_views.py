"""allauth's code confirm views, with a message when the login attempt behind a code is gone.

allauth answers a code posted after its attempt ended (the code was used, five wrong guesses
ended it, or the stage timed out) with a bare redirect to where one starts again; the person
should read why. The views themselves stay allauth's.
"""

from functools import wraps

from allauth.account import views as allauth_views
from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

CODE_NO_LONGER_VALID = _(
    "This code is no longer valid: it was used already, or its login attempt has ended. "
    "Please ask for a new code."
)


def _explain_a_gone_attempt(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method == "POST"
            and not request.user.is_authenticated
            and LOGIN_SESSION_KEY not in request.session
        ):
            messages.error(request, CODE_NO_LONGER_VALID)
        return view(request, *args, **kwargs)

    return wrapper


confirm_login_code = _explain_a_gone_attempt(allauth_views.confirm_login_code)
verify_phone = _explain_a_gone_attempt(allauth_views.verify_phone)
