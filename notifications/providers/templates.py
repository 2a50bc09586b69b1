"""Which provider template an outgoing SMS uses, and the values of its variables.

Providers send approved templates only, never free text. Three templates cover every kind:
the code SMS, the "you already have an account" SMS, and one notice template for everything
else, which names the subject and sends the reader to the inbox for the rest (a variable is
limited to a few dozen characters, so a whole notice body cannot travel in one).
"""

from notifications.actions import REDACTED_CODE
from notifications.backends import OutgoingSMS

CODE = "code"
ACCOUNT_EXISTS = "account_exists"
NOTICE = "notice"
TEMPLATES = (CODE, ACCOUNT_EXISTS, NOTICE)

_TEMPLATE_OF_KIND = {"sms_code": CODE, "sms_account_exists": ACCOUNT_EXISTS}


class TemplateMismatch(Exception):
    """The stored text and the text to send do not line up: a bug, never sent."""


def template_of(sms: OutgoingSMS) -> str:
    return _TEMPLATE_OF_KIND.get(sms.kind, NOTICE)


def code_of(sms: OutgoingSMS) -> str:
    """The code inside a code SMS: the part of the text where the stored text shows "******".

    The outbox keeps the code only inside the encrypted text; the stored text (in the language
    it was written in) says where in it the code stands.
    """
    prefix, found, suffix = sms.shown_text.partition(REDACTED_CODE)
    end = len(sms.text) - len(suffix)
    if not found or not sms.text.startswith(prefix) or not sms.text.endswith(suffix) or end <= len(prefix):
        raise TemplateMismatch(f"message {sms.message_id}: the code cannot be found in its text")
    return sms.text[len(prefix) : end]


def variables(sms: OutgoingSMS, *, max_length: int) -> dict[str, str]:
    """The template's variables by name (Aliyun's ${name}); Tencent takes the values in this order."""
    template = template_of(sms)
    if template == CODE:
        return {"code": code_of(sms)}
    if template == ACCOUNT_EXISTS:
        return {}
    subject = sms.subject if len(sms.subject) <= max_length else sms.subject[: max_length - 1] + "…"
    return {"subject": subject}
