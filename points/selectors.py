"""Reads of the points ledger: balances, a person's ledger, rule amounts, where a line leads."""

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from points import registry
from points.models import PointAccount, PointEntry, PointRule

LEDGER_PAGES = registry.LEDGER_PAGES


def points_state(*, user: User) -> tuple[int, int | None] | None:
    """(balance, id of the last ledger line) in one query; None before the first line (points_add
    makes the account in the line's transaction)."""
    return (
        PointAccount.objects.filter(user=user)
        .annotate(
            last_entry=Subquery(
                PointEntry.objects.filter(user=OuterRef("user")).order_by("-id").values("id")[:1]
            )
        )
        .values_list("balance", "last_entry")
        .first()
    )


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


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def ledger_rollup() -> QuerySet:
    """Points issued (positive lines) and spent (negative lines) per month, across the district."""
    from django.db.models import Count, DateField, Q, Sum
    from django.db.models.functions import Trunc

    return (
        PointEntry.objects.values(month=Trunc("created_at", "month", output_field=DateField()))
        .annotate(
            issued=Sum("amount", filter=Q(amount__gt=0)),
            spent=Sum("amount", filter=Q(amount__lt=0)),
            lines=Count("pk"),
        )
        .order_by()
    )
