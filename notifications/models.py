from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.indexes import search_index


class Message(models.Model):
    """One message to one person through one channel: the transactional outbox.

    Written in the same transaction as the change that caused it, delivered
    afterwards by a Celery task that first claims the row, so a task delivered
    twice by the broker sends once.
    """

    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app inbox")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Delivery(models.TextChoices):
        """What the provider's delivery receipt said (SMS only); blank until a receipt arrives."""

        DELIVERED = "delivered", _("Delivered to the phone")
        UNDELIVERED = "undelivered", _("Not delivered")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to_address = models.CharField(_("address"), max_length=254, blank=True)
    kind = models.CharField(_("kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    # A message that carries a secret (an SMS code) keeps only a redacted `body` in clear; the
    # text actually sent is here, Fernet-encrypted (core.crypto), until delivery or expiry, and
    # is then wiped. Never shown anywhere.
    secret_body = models.TextField(blank=True, editable=False)
    # No use after this moment (a code): never sent later, and its secret is wiped.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The SMS provider that accepted the message and its id for it (Aliyun's BizId, Tencent's
    # SerialNo): delivery receipts find the row by these two.
    provider = models.CharField(_("SMS provider"), max_length=20, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=64, blank=True)
    # The last attempt may have reached the provider without an answer (a read timeout): the next
    # attempt asks the provider before sending again, so a code is never sent twice.
    send_unconfirmed = models.BooleanField(default=False, editable=False)
    delivery_status = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices, blank=True)
    # The provider's status code from the receipt (DELIVERED, MK:0001, ...).
    delivery_error = models.CharField(_("delivery code"), max_length=64, blank=True)
    delivery_reported_at = models.DateTimeField(_("receipt received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        permissions = [("view_message_body", _("Can read the text of personal messages"))]
        indexes = [
            models.Index(fields=["status", "created_at"], name="message_outbox_idx"),
            models.Index(fields=["recipient", "channel", "-created_at"], name="message_inbox_idx"),
            models.Index(fields=["-created_at", "-id"], name="message_recent_idx"),  # the admin list's order
            search_index("subject", name="message_subject_search_idx"),
        ]
        constraints = [
            # One row per provider id: a receipt updates exactly one message.
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="message_provider_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"
