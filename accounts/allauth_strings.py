"""django-allauth texts that our own catalogue words better for workers.

Never imported: these calls only put the msgids into locale/*/django.po, and
our LOCALE_PATHS take precedence over allauth's own catalogue.
"""

from django.utils.translation import gettext_noop

ALLAUTH_TEXTS = [
    gettext_noop("Code"),
    gettext_noop("Phone"),
    gettext_noop("Request Code"),
    gettext_noop("Send me a sign-in code"),
    gettext_noop("You will receive a special code for a password-free sign-in."),
    gettext_noop("Enter Sign-In Code"),
    gettext_noop("Enter Phone Verification Code"),
    gettext_noop("Phone Verification"),
    gettext_noop("We've sent a code to %(recipient)s. The code expires shortly, so please enter it soon."),
    gettext_noop("Confirm"),
    gettext_noop("Other sign-in options"),
    gettext_noop("Already have an account? Then please %(link)ssign in%(end_link)s."),
    gettext_noop("Incorrect code."),
    gettext_noop("Sign In"),
    gettext_noop("Sign Up"),
    gettext_noop("Signup"),
]
