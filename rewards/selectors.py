"""Reads of the rewards store, with their joins made."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Street, User
from core.home import Group, HomeItem
from core.privacy import masked_name
from points.models import PointEntry
from rewards.constants import LEADERBOARD_SIZE
from rewards.models import LeaderboardOptIn, Reward, RewardStock, Voucher
from rewards.points_kinds import VOUCHER_REFUND
from stations.models import Station
from stations.selectors import stations_run_by


def store_rewards() -> QuerySet[Reward]:
    """Offered rewards, each with `available` = the open stations that still have it (2 queries)."""
    stocks = (
        RewardStock.objects.filter(quantity__gt=0, station__is_active=True)
        .select_related("station")
        .order_by("station__name")
    )
    return Reward.objects.filter(is_active=True).prefetch_related(
        Prefetch("stocks", stocks, to_attr="available")
    )


def offered_reward(*, reward_id: int) -> Reward:
    return Reward.objects.get(pk=reward_id, is_active=True)


def stocks_for_redeem(*, reward: Reward) -> list[RewardStock]:
    """The open stations that carry the reward (also those just sold out, so a chosen one stays on the form)."""
    return list(
        RewardStock.objects.filter(reward=reward, station__is_active=True)
        .select_related("station")
        .order_by("station__name")
    )


def vouchers_of(*, user: User) -> QuerySet[Voucher]:
    return Voucher.objects.filter(user=user).select_related("reward", "station__service_point")


def voucher_for_user(*, user: User, voucher_id: int) -> Voucher:
    """A foreign id raises DoesNotExist exactly like a missing one."""
    return vouchers_of(user=user).get(pk=voucher_id)


def home_items(*, user: User) -> list[HomeItem]:
    """For the home page: vouchers ready to collect (1 query)."""
    vouchers = (
        Voucher.objects.filter(user=user, status=Voucher.Status.ISSUED, expires_at__gt=timezone.now())
        .select_related("reward", "station")
        .order_by("expires_at")[:10]
    )
    return [
        HomeItem(
            Group.WAITING,
            _("Voucher: %(reward)s") % {"reward": voucher.reward.name},
            _("Collect it at %(station)s by %(date)s.")
            % {
                "station": voucher.station.name,
                "date": date_format(timezone.localtime(voucher.expires_at), "DATE_FORMAT"),
            },
            _("Show the voucher"),
            reverse("rewards:voucher", args=[voucher.pk]),
            voucher.issued_at,
        )
        for voucher in vouchers
    ]


def voucher_timeline(voucher: Voucher) -> tuple[list, str]:
    """The voucher's life for the worker: redeemed, then collected, expired or cancelled; and what to do next."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    from core.timeline import Family, TimelineStep

    steps = [
        TimelineStep(
            label=gettext("Redeemed: %(points)s points paid") % {"points": voucher.price},
            at=voucher.issued_at,
            family=Family.DONE,
            actor=gettext("You"),
        )
    ]
    Status = Voucher.Status
    if voucher.status == Status.HANDED_OVER:
        steps.append(
            TimelineStep(
                label=gettext("Collected"),
                at=voucher.handed_over_at,
                family=Family.DONE,
                actor=gettext("Station staff"),
            )
        )
        return steps, ""
    if voucher.status in (Status.EXPIRED, Status.CANCELLED):
        label = voucher.get_status_display()
        steps.append(TimelineStep(label=label, at=voucher.closed_at, family=Family.REFUSED))
        return steps, ""
    steps.append(TimelineStep(label=gettext("Collected"), at=None, family=Family.WAITING))
    deadline = timezone.localtime(voucher.expires_at)
    next_step = gettext("Show the code at %(station)s by %(date)s %(time)s to collect your %(reward)s.") % {
        "station": voucher.station.name,
        "date": date_format(deadline, "DATE_FORMAT"),
        "time": deadline.strftime("%H:%M"),
        "reward": voucher.reward.name,
    }
    return steps, next_step


def handover_stations(*, user: User) -> QuerySet[Station]:
    """The open stations where `user` may confirm hand-overs: those they run (the stations door),
    or every one with the rewards permission to confirm anywhere (actions.can_confirm_handover)."""
    if not getattr(user, "is_authenticated", False):
        return Station.objects.none()
    # Workers (most visitors of the store) never pay the permission queries.
    if user.is_staff and user.has_perm("rewards.confirm_handover"):
        return Station.objects.filter(is_active=True)
    return stations_run_by(user).filter(is_active=True)


def station_of_code(*, code: str, stations: list[Station]) -> int | None:
    if not code:
        return None
    return (
        Voucher.objects.filter(code=code, station__in=stations).values_list("station_id", flat=True).first()
    )


def is_opted_in(*, user: User) -> bool:
    return LeaderboardOptIn.objects.filter(user=user, opted_in=True).exists()


# --- Leaderboard ------------------------------------------------------------------------------

# Refunds give back what was spent; they are not points earned.
NOT_EARNED = (VOUCHER_REFUND,)


@dataclass
class LeaderRow:
    rank: int
    user_id: int
    name: str
    points: int
    is_me: bool


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The calendar month in Asia/Shanghai as an aware [start, end) range."""
    zone = timezone.get_default_timezone()
    start = month.replace(day=1)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(following, time.min, tzinfo=zone),
    )


def parse_month(raw: str | None, *, today: date) -> date:
    """ "2026-11" → date(2026, 11, 1); anything else (or a future month) → the current month."""
    current = today.replace(day=1)
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        chosen = date(year, month, 1)
    except (TypeError, ValueError):
        return current
    if chosen > current or year < 2000:
        return current
    return chosen


def recent_months(*, today: date, count: int = 12) -> list[date]:
    """The current month and the ones before it, newest first (the month picker)."""
    months, month = [], today.replace(day=1)
    for _month in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


def parse_street(raw: str | None, *, default: str) -> str:
    return raw if raw in Street.values else default


def leaderboard(*, street: str, month: date, me: User | None = None) -> list[LeaderRow]:
    """Opted-in workers of the street ranked by points earned in the month (one query).

    Ties share a rank (1, 1, 3). Only names' first characters are shown, except the viewer's own.
    """
    start, end = month_bounds(month)
    totals = (
        PointEntry.objects.filter(
            amount__gt=0,
            created_at__gte=start,
            created_at__lt=end,
            user__profile__street=street,
            user__leaderboard_opt_in__opted_in=True,
        )
        .exclude(reason__in=NOT_EARNED)
        .values("user_id", "user__real_name")
        .annotate(total=Sum("amount"))
        .order_by("-total", "user_id")
    )
    rows, rank, previous = [], 0, None
    me_id = getattr(me, "pk", None)
    for position, item in enumerate(totals, start=1):
        if item["total"] != previous:
            rank, previous = position, item["total"]
        is_me = item["user_id"] == me_id
        rows.append(
            LeaderRow(
                rank=rank,
                user_id=item["user_id"],
                name=item["user__real_name"] if is_me else masked_name(item["user__real_name"]),
                points=item["total"],
                is_me=is_me,
            )
        )
    return rows


def leaderboard_page(rows: list[LeaderRow]) -> tuple[list[LeaderRow], LeaderRow | None]:
    """The top rows, and the viewer's own row when it is further down."""
    top = rows[:LEADERBOARD_SIZE]
    mine = next((row for row in rows[LEADERBOARD_SIZE:] if row.is_me), None)
    return top, mine


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def handovers_rollup() -> QuerySet:
    """Rewards handed over per month and station, with the points they cost."""
    from django.db.models import Count, DateField, F
    from django.db.models.functions import Trunc

    return (
        Voucher.objects.filter(status=Voucher.Status.HANDED_OVER)
        .values(
            month=Trunc("handed_over_at", "month", output_field=DateField()),
            key=F("station_id"),
            label=F("station__name"),
            street=F("station__street"),
        )
        .annotate(handed_over=Count("pk"), points_redeemed=Sum("price"))
        .order_by()
    )


def stock_by_station() -> QuerySet:
    """What each station holds now, all rewards together."""
    from django.db.models import F

    return (
        RewardStock.objects.values(key=F("station_id"), label=F("station__name"), street=F("station__street"))
        .annotate(stock=Sum("quantity"))
        .order_by()
    )
