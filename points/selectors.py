"""Reads of the points ledger: balances, a person's ledger, rule amounts, where a line leads."""

from django.db.models import QuerySet

from accounts.models import User
from points import registry
from points.models import PointAccount, PointEntry, PointRule


def points_balance(*, user: User) -> int:
    account = PointAccount.objects.filter(user=user).first()
    return account.balance if account else 0


def points_for(event: str) -> int:
    """What one `event` earns now: its rule in admin, else the amount its kind registered (0: none)."""
    known = registry.kind(event)
    rule = PointRule.objects.filter(event=event).first()
    if rule is not None:
        return rule.amount
    return known.rule.amount if known.rule is not None else 0


def ledger_of(*, user: User) -> QuerySet[PointEntry]:
    # The sources come one query per kind (report, topic, check-in, ...), however long the page.
    return (
        PointEntry.objects.filter(user=user)
        .select_related("source_type")
        .prefetch_related("source")
        .order_by("-created_at", "-id")
    )


def source_page(entry: PointEntry) -> str:
    """The URL of the entry's source for its owner, or "" (an adjustment, or a source since removed)."""
    if entry.source_type is None or entry.source is None:
        return ""
    page = registry.source_page(entry.source_type.app_label, entry.source_type.model)
    return page(entry.source) if page else ""
