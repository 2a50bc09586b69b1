"""Types shared by every app (core imports no app, so nothing here names a model)."""

from typing import TypeAlias

from django.utils.functional import Promise

# A text that may still be lazy (a gettext_lazy constant, a Choices label); it is
# rendered in the active language when shown. django_stubs_ext has the same alias,
# but it is a development dependency and this one is used at run time too.
StrOrPromise: TypeAlias = str | Promise
