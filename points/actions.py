"""Writes of the points ledger: every point added or spent, every rule changed, happens here.

`points_add` is a step other actions take inside their own transaction (it is not durable:
the savepoint it opens rolls back alone when it refuses, and a caller that catches the refusal
relies on that).
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit
from core.configuration import config_save
from core.exceptions import ApplicationError
from points import registry
from points.models import PointAccount, PointEntry, PointRule

NOT_ENOUGH_POINTS = _("Not enough points: the balance is %(balance)s.")
ZERO_POINTS = _("The amount of points cannot be zero.")


class NotEnoughPoints(ApplicationError):
    status_code = 409


# Not durable: a step of the earning and spending apps' actions, a savepoint inside theirs; a
# caller that catches NotEnoughPoints relies on that savepoint rolling back alone.
@transaction.atomic
def points_add(
    *,
    user: User,
    amount: int,
    reason: str,
    source: models.Model | None = None,
    once_key: str | None = None,
    note: str = "",
    acting_user: User | None = None,
) -> PointEntry | None:
    """Append one ledger entry (negative to spend). Returns None when `once_key` was already used.

    `reason` is a kind some app registered (points.registry); any other raises UnknownReason
    before anything is written. The person's account row is locked first, so concurrent spends
    see each other's balance; the CHECK constraints refuse a negative balance even if a caller
    forgot the lock.
    """
    registry.kind(reason)
    if amount == 0:
        raise ApplicationError(str(ZERO_POINTS))
    PointAccount.objects.bulk_create([PointAccount(user=user)], ignore_conflicts=True)
    account = PointAccount.objects.select_for_update().get(user=user)
    if once_key is not None and PointEntry.objects.filter(once_key=once_key).exists():
        return None
    if account.balance + amount < 0:
        raise NotEnoughPoints(str(NOT_ENOUGH_POINTS) % {"balance": account.balance})
    account.balance += amount
    account.save(update_fields=["balance"])
    entry = PointEntry.objects.create(
        user=user,
        amount=amount,
        reason=reason,
        note=note,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=str(source.pk) if source is not None else "",
        once_key=once_key,
        balance_after=account.balance,
        created_by=acting_user,
    )
    audit.record(
        actor=acting_user, action="points.add", target=entry, data={"amount": amount, "reason": reason}
    )
    return entry


@transaction.atomic
def pointrule_save(*, rule_id: int | None, values: dict[str, Any], acting_user: User) -> PointRule:
    """How many points an event earns from now on (ledger lines already written keep theirs).

    The staff member needs points.add_pointrule or points.change_pointrule (checked first)."""
    return config_save(PointRule, pk=rule_id, values=values, acting_user=acting_user, action="points.rule")


def pointrules_ensure(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Every registered kind with a rule has its PointRule row (after each migrate; idempotent).

    A row staff changed keeps its amount; only missing rows are added, with the registered start.
    """
    for known in registry.rule_kinds():
        assert known.rule is not None  # rule_kinds() has only kinds with a rule
        PointRule.objects.using(using).get_or_create(
            event=known.value,
            defaults={"amount": known.rule.amount, "description": known.rule.description},
        )
