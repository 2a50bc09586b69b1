"""Writes of the rewards store: every change of stock, voucher status and points happens here.

Lock order, always the same so two actions never deadlock each other:
voucher row → stock row → points account (inside `points_add`).
"""

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit
from core.exceptions import ApplicationError, NotFound, PermissionDenied, TransitionNotAllowed
from core.transitions import Change, TransitionTable, status_change_record, transition
from notifications.actions import notify
from notifications.models import Message
from points.actions import NotEnoughPoints, points_add
from points.models import PointAccount
from rewards.constants import CODE_ALPHABET, CODE_LENGTH, VOUCHER_VALID_FOR
from rewards.models import LeaderboardOptIn, Reward, RewardStock, Voucher
from rewards.points_kinds import REWARD_REDEEMED, VOUCHER_REFUND
from stations.models import Station
from stations.selectors import can_run

Status = Voucher.Status

REWARD_NOT_OFFERED = _("This reward is no longer offered.")
STATION_CLOSED = _("This station is closed at the moment. Please choose another station.")
OUT_OF_STOCK = _("“%(reward)s” is out of stock at %(station)s. Please choose another station.")
UNKNOWN_CODE = _("There is no voucher with the code %(code)s. Please check the code and enter it again.")
NOT_STATION_STAFF = _("Only the staff of %(station)s can confirm hand-overs there.")
WRONG_STATION = _("This voucher is for %(station)s, not for this station. Please send the worker there.")
ALREADY_HANDED_OVER = _("This voucher was already collected on %(date)s. Do not hand over the reward again.")
VOUCHER_EXPIRED = _("This voucher expired on %(date)s and its points were returned. It cannot be used.")
VOUCHER_CANCELLED = _("This voucher was cancelled and its points were returned. It cannot be used.")
CANNOT_CANCEL = _("Only a voucher that is ready to collect can be cancelled; this one is “%(status)s”.")
NO_CHANGE = _("Please enter how many items to add (or, with a minus sign, to remove).")
REASON_REQUIRED = _("Please give the reason for the change; it is kept in the audit log.")
STOCK_BELOW_ZERO = _("The stock cannot go below zero: %(quantity)s left, %(change)s requested.")
NOT_YOUR_STATION = _("You can adjust the stock only of the stations you run.")
NOT_ENOUGH_POINTS = _("Not enough points: “%(reward)s” costs %(price)s points and you have %(balance)s.")

_CODE_ATTEMPTS = 5


class OutOfStock(TransitionNotAllowed):
    pass


def normalise_code(raw: str) -> str:
    """What staff typed or scanned ("abcd-efgh ", "ABCD EFGH") as the stored code."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _local_date(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _lock_stock(*, station: Station, reward: Reward) -> RewardStock:
    # The row may not exist yet (a station that never had this reward): create it, then lock it.
    RewardStock.objects.bulk_create(
        [RewardStock(station=station, reward=reward, quantity=0)], ignore_conflicts=True
    )
    return RewardStock.objects.select_for_update().get(station=station, reward=reward)


# --- Stock -----------------------------------------------------------------------------


def can_adjust_stock(*, user: User, station: Station) -> bool:
    return user.has_perm("rewards.adjust_any_stock") or can_run(user, station)


@transaction.atomic(durable=True)
def rewardstock_adjust(
    *, station: Station, reward: Reward, change: int, reason: str, acting_user: User
) -> RewardStock:
    """Add (or with a negative `change`, remove) items: a delivery, a count, breakage. The reason is audited."""
    if not can_adjust_stock(user=acting_user, station=station):
        raise PermissionDenied(str(NOT_YOUR_STATION))
    if not change:
        raise ApplicationError(str(NO_CHANGE), extra={"field": "change"})
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(str(REASON_REQUIRED), extra={"field": "reason"})
    stock = _lock_stock(station=station, reward=reward)
    if stock.quantity + change < 0:
        raise ApplicationError(
            str(STOCK_BELOW_ZERO) % {"quantity": stock.quantity, "change": change}, extra={"field": "change"}
        )
    before = stock.quantity
    stock.quantity += change
    stock.save(update_fields=["quantity", "updated_at"])
    audit.record(
        actor=acting_user,
        action="rewards.stock.adjust",
        target=stock,
        note=reason,
        data={"change": change, "before": before, "after": stock.quantity},
    )
    return stock


# --- Vouchers ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def voucher_redeem(*, user: User, reward: Reward, station: Station) -> Voucher:
    """Take one item from the station's stock, debit the points, issue the voucher: all or nothing.

    `points_add` raises NotEnoughPoints when the balance is too low; the
    exception leaves this transaction, so the stock and the voucher are rolled
    back with it.
    """
    reward = Reward.objects.get(pk=reward.pk)
    if not reward.is_active:
        raise TransitionNotAllowed(str(REWARD_NOT_OFFERED))
    if not station.is_active:
        raise TransitionNotAllowed(str(STATION_CLOSED))
    stock = RewardStock.objects.select_for_update().filter(station=station, reward=reward).first()
    if stock is None or stock.quantity <= 0:
        raise OutOfStock(str(OUT_OF_STOCK) % {"reward": reward.name, "station": station.name})
    stock.quantity -= 1
    stock.save(update_fields=["quantity", "updated_at"])
    now = timezone.now()
    voucher = _create_voucher(
        user=user,
        reward=reward,
        station=station,
        price=reward.price,
        issued_at=now,
        expires_at=now + VOUCHER_VALID_FOR,
    )
    try:
        points_add(user=user, amount=-reward.price, reason=REWARD_REDEEMED, source=voucher)
    except NotEnoughPoints:
        # points_add rolled its own savepoint back (the account row may not even exist).
        balance = PointAccount.objects.filter(user=user).values_list("balance", flat=True).first() or 0
        raise NotEnoughPoints(
            str(NOT_ENOUGH_POINTS) % {"reward": reward.name, "price": reward.price, "balance": balance}
        ) from None
    audit.record(
        actor=user,
        action="rewards.voucher.redeem",
        target=voucher,
        data={"reward": reward.pk, "station": station.pk, "price": reward.price},
    )
    return voucher


def _create_voucher(**fields: Any) -> Voucher:
    for attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a code collision must not spoil the redemption
                return Voucher.objects.create(code=_new_code(), **fields)
        except IntegrityError:
            if attempt == _CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _already_used(voucher: Voucher) -> str:
    if voucher.status == Status.HANDED_OVER:
        assert voucher.handed_over_at is not None  # the CHECK constraint voucher_handed_over_has_time
        return str(ALREADY_HANDED_OVER) % {"date": _local_date(voucher.handed_over_at)}
    if voucher.status == Status.CANCELLED:
        return str(VOUCHER_CANCELLED)
    return str(VOUCHER_EXPIRED) % {"date": _local_date(voucher.expires_at)}


def _own_voucher(voucher: Voucher, user: User) -> None:
    if voucher.user_id != user.pk:
        raise Voucher.DoesNotExist  # a foreign voucher is as missing as no voucher (the view answers 404)


# A voucher is issued, then collected (staff), cancelled (its worker) or expired (the sweep) once;
# its history is kept as core.StatusChange rows.
VOUCHER_TRANSITIONS = TransitionTable(
    model=Voucher,
    audit_prefix="rewards.voucher",
    history=status_change_record,
    select_related=("reward", "station", "user"),
    transitions=(
        transition(
            "handover", {Status.ISSUED}, Status.HANDED_OVER, action=_("collected"), wrong_status=_already_used
        ),
        transition(
            "cancel",
            {Status.ISSUED},
            Status.CANCELLED,
            action=_("cancelled"),
            allows=_own_voucher,
            wrong_status=CANNOT_CANCEL,
        ),
        transition("expire", {Status.ISSUED}, Status.EXPIRED, action=_("expired")),
    ),
)


def can_confirm_handover(*, user: User, station: Station) -> bool:
    return user.has_perm("rewards.confirm_handover") or can_run(user, station)


@transaction.atomic(durable=True)
def voucher_handover_confirm(
    *, voucher_code: str, station: Station, acting_user: User, now: datetime | None = None
) -> Voucher:
    """Station staff hand the reward over: the voucher is used up, once."""
    if not can_confirm_handover(user=acting_user, station=station):
        raise PermissionDenied(str(NOT_STATION_STAFF) % {"station": station.name})
    code = normalise_code(voucher_code)
    found = Voucher.objects.select_related("station").filter(code=code).first() if code else None
    if found is None:
        raise NotFound(str(UNKNOWN_CODE) % {"code": voucher_code.strip() or "—"})
    if found.station_id != station.pk:  # a voucher's station never changes: no lock needed to say so
        raise TransitionNotAllowed(str(WRONG_STATION) % {"station": found.station.name})
    now = now or timezone.now()

    def in_time(change: Change) -> None:
        if change.obj.expires_at <= now:
            # Past its time but not yet swept: refused all the same; the sweep returns the points.
            raise TransitionNotAllowed(str(VOUCHER_EXPIRED) % {"date": _local_date(change.obj.expires_at)})

    return VOUCHER_TRANSITIONS.apply(
        found.pk,
        Status.HANDED_OVER,
        acting_user=acting_user,
        fields={"handed_over_at": now, "handed_over_by": acting_user},
        prepare=in_time,
    )


def _refund(change: Change, *, now: datetime, note: str) -> None:
    """The voucher's item back in stock and its points back (a step of its expiry or cancellation)."""
    voucher = change.obj
    stock = _lock_stock(station=voucher.station, reward=voucher.reward)
    stock.quantity += 1
    stock.save(update_fields=["quantity", "updated_at"])
    change.fields["closed_at"] = now
    points_add(
        user=voucher.user,
        amount=voucher.price,
        reason=VOUCHER_REFUND,
        source=voucher,
        once_key=f"voucher_refund:{voucher.pk}",
        note=note,
        acting_user=change.actor,
    )


@transaction.atomic(durable=True)
def voucher_expire(*, voucher_id: int, now: datetime) -> Voucher | None:
    """Expire one unclaimed voucher: stock back, points back. None when there is nothing (left) to do."""
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("reward", "station", "user")
        .filter(pk=voucher_id)
        .first()
    )
    if voucher is None or voucher.status != Status.ISSUED or voucher.expires_at > now:
        return None  # collected, cancelled or expired meanwhile: the first one wins
    voucher = VOUCHER_TRANSITIONS.apply(
        voucher, Status.EXPIRED, acting_user=None, prepare=lambda change: _refund(change, now=now, note="")
    )
    notify(
        user=voucher.user,
        kind="voucher_expired",
        params={
            "code": voucher.code_display,
            "reward": voucher.reward.name,
            "station": voucher.station.name,
            "points": voucher.price,
        },
        link=reverse("rewards:vouchers"),
        channels=[Message.Channel.INBOX],
    )
    return voucher


def vouchers_expire(*, now: datetime | None = None) -> int:
    """The sweep: each expired voucher in its own transaction, so one failure does not hold back the rest."""
    now = now or timezone.now()
    ids = list(
        Voucher.objects.filter(status=Status.ISSUED, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)
    )
    return sum(1 for voucher_id in ids if voucher_expire(voucher_id=voucher_id, now=now) is not None)


@transaction.atomic(durable=True)
def voucher_cancel(*, voucher_id: int, user: User) -> Voucher:
    """The worker changed their mind: the voucher is void, the item back in stock, the points back.

    A foreign or missing voucher raises Voucher.DoesNotExist (the view answers 404).
    """

    def refund(change: Change) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            note = gettext("Voucher %(code)s cancelled") % {"code": change.obj.code_display}
        _refund(change, now=timezone.now(), note=note)

    return VOUCHER_TRANSITIONS.apply(voucher_id, Status.CANCELLED, acting_user=user, prepare=refund)


# --- Leaderboard ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def leaderboard_opt_set(*, user: User, opted_in: bool) -> LeaderboardOptIn:
    choice, _created = LeaderboardOptIn.objects.select_for_update().get_or_create(user=user)
    if choice.opted_in != opted_in:
        choice.opted_in = opted_in
        choice.save(update_fields=["opted_in", "updated_at"])
        audit.record(actor=user, action="rewards.leaderboard.opt", target=choice, data={"opted_in": opted_in})
    return choice


__all__ = [
    "NotEnoughPoints",
    "OutOfStock",
    "can_adjust_stock",
    "can_confirm_handover",
    "leaderboard_opt_set",
    "normalise_code",
    "rewardstock_adjust",
    "voucher_cancel",
    "voucher_expire",
    "voucher_handover_confirm",
    "voucher_redeem",
    "vouchers_expire",
]
