"""What the two providers share: the send-at-most-once rule and how network failures are read."""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications.backends import (
    Accepted,
    ChannelUnavailable,
    DeliveryUncertain,
    OutgoingSMS,
    SMSBackend,
    SMSRejected,
)
from notifications.providers import templates

logger = logging.getLogger("notifications.providers")

# Failed for good, never resent: a code whose earlier attempt may have been accepted, which the
# provider's records do not show. A second code SMS is worse than none (the person asks again).
UNCONFIRMED_NOT_RESENT = "unconfirmed"

# Texts of requests' connection errors that say the request never left this machine: safe to
# send again. Any other network failure (a read timeout, a dropped connection) may have reached
# the provider.
_NEVER_SENT_MARKERS = (
    "NewConnectionError",
    "ConnectTimeoutError",
    "Connection refused",
    "Name or service not known",
    "Temporary failure in name resolution",
)


def never_left(error_text: str) -> bool:
    return any(marker in error_text for marker in _NEVER_SENT_MARKERS)


def network_failure(provider: str, error_text: str) -> ChannelUnavailable:
    """The exception for a failure without an answer. Its text is ours, never the library's: that
    text holds the request URL, and Aliyun's URL holds the template variables (the code)."""
    if never_left(error_text):
        return ChannelUnavailable(f"{provider}: could not connect")
    return DeliveryUncertain(f"{provider}: no answer (the message may have been accepted)")


class ProviderSMSBackend(SMSBackend):
    """A provider that sends templates and can look a sent message up by our id."""

    provider = ""
    settings_name = ""
    required: tuple[str, ...] = ()
    # The provider's default limit on one template variable, in characters.
    variable_max_length = 20

    def config(self) -> dict:
        config = getattr(settings, self.settings_name)
        missing = [name for name in self.required if not config.get(name)]
        if missing:
            raise ImproperlyConfigured(f"{self.settings_name} needs: {', '.join(missing)}")
        return config

    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError(f"{self.provider} sends templates: use deliver()")

    def deliver(self, sms: OutgoingSMS) -> Accepted:
        config = self.config()
        if sms.may_have_been_sent:
            found = self.find_sent(config, sms)
            if found is not None:
                logger.info(
                    "%s already has message %s (%s): not sent again", self.provider, sms.message_id, found
                )
                return Accepted(self.provider, found)
            if sms.carries_secret:
                logger.warning(
                    "%s: message %s may have been accepted and is not on record: not sent again",
                    self.provider,
                    sms.message_id,
                )
                raise SMSRejected(
                    UNCONFIRMED_NOT_RESENT, "an earlier attempt got no answer; a code is never sent twice"
                )
        template = templates.template_of(sms)
        template_id = config["templates"].get(template, "")
        if not template_id:
            raise ImproperlyConfigured(f"{self.settings_name}['templates'] has no id for {template!r}")
        values = templates.variables(sms, max_length=self.variable_max_length)
        provider_message_id = self.send_template(config, sms, template_id, values)
        logger.info("%s accepted message %s as %s", self.provider, sms.message_id, provider_message_id)
        return Accepted(self.provider, provider_message_id)

    def send_template(self, config: dict, sms: OutgoingSMS, template_id: str, values: dict[str, str]) -> str:
        raise NotImplementedError

    def find_sent(self, config: dict, sms: OutgoingSMS) -> str | None:
        """The provider's id for the message if it has it on record, else None."""
        raise NotImplementedError


def national_number(phone: str) -> str:
    """+8613800000001 -> 13800000001 (what Aliyun's domestic API takes); others without the +."""
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")
