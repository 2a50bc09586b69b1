"""Django's own texts that our catalogue words better for workers (and for staff in admin).

Never imported: these calls only put the msgids into locale/*/django.po (so `make messages`
keeps them), and our LOCALE_PATHS take precedence over Django's own catalogues. Django's
"确保该变量包含不超过 … 字符" becomes "最多填写 … 个字".
"""

from django.utils.translation import gettext_noop, ngettext


def _plural_texts() -> None:  # pragma: no cover - never called, read by makemessages only
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    )
    ngettext(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    )


DJANGO_TEXTS = [
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    # The admin's filter sidebar: people say 筛选, not 过滤器.
    gettext_noop("Filter"),
]
