"""Signals the academy sends; other apps (subsidies) react in the same transaction."""

from django.dispatch import Signal

# Sent with record=<CreditRecord>, acting_user=<User | None> once credits for a study year are recorded.
credits_recorded = Signal()
