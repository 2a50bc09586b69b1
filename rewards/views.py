"""Worker pages of the rewards store, and the hand-over page for station staff."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from points.selectors import points_balance
from rewards import selectors
from rewards.actions import (
    leaderboard_opt_set,
    normalise_code,
    voucher_cancel,
    voucher_handover_confirm,
    voucher_redeem,
)
from rewards.constants import VOUCHER_VALID_FOR
from rewards.forms import HandoverForm, OptInForm, RedeemForm
from rewards.models import Reward, Voucher

PAGE_SIZE = 20


@login_required
def store(request: AuthenticatedHttpRequest) -> HttpResponse:
    balance = points_balance(user=request.user)
    rewards = list(selectors.store_rewards())
    for reward in rewards:
        reward.points_short = max(0, reward.price - balance)  # type: ignore[attr-defined]
    return render(
        request,
        "rewards/store.html",
        {
            "rewards": rewards,
            "balance": balance,
            "hands_over": selectors.handover_stations(user=request.user).exists(),
        },
    )


@login_required
def redeem(request: AuthenticatedHttpRequest, reward_id: int) -> HttpResponse:
    try:
        reward = selectors.offered_reward(reward_id=reward_id)
    except Reward.DoesNotExist:
        raise Http404 from None
    stocks = selectors.stocks_for_redeem(reward=reward)
    form = RedeemForm(request.POST if request.method == "POST" else None, stocks=stocks)
    if request.method == "POST" and form.is_valid():
        try:
            voucher = voucher_redeem(user=request.user, reward=reward, station=form.chosen_station())
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Done! Show this code at %(station)s to collect your %(reward)s.")
                % {"station": voucher.station.name, "reward": reward.name},
            )
            return redirect("rewards:voucher", voucher_id=voucher.pk)
    balance = points_balance(user=request.user)
    return render(
        request,
        "rewards/redeem.html",
        {
            "reward": reward,
            "form": form,
            "balance": balance,
            "points_short": max(0, reward.price - balance),
            "valid_days": VOUCHER_VALID_FOR.days,
        },
        status=400 if form.errors else 200,
    )


def _qr_svg(request: AuthenticatedHttpRequest, voucher: Voucher) -> str:
    # The QR holds the hand-over page with the code filled in: station staff scan it with
    # their phone's camera and only need to tap "confirm".
    url = request.build_absolute_uri(reverse("rewards:handover") + "?" + urlencode({"code": voucher.code}))
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True, title=voucher.code_display)
    return mark_safe(svg)  # noqa: S308  (segno's own SVG of our own URL)


@login_required
def vouchers(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.vouchers_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for voucher in page.object_list:
        voucher.qr = _qr_svg(request, voucher) if voucher.status == Voucher.Status.ISSUED else ""
    return render(request, "rewards/vouchers.html", {"page": page, "now": timezone.now()})


@login_required
def voucher(request: AuthenticatedHttpRequest, voucher_id: int) -> HttpResponse:
    try:
        item = selectors.voucher_for_user(user=request.user, voucher_id=voucher_id)
    except Voucher.DoesNotExist:
        raise Http404 from None
    item.qr = _qr_svg(request, item) if item.status == Voucher.Status.ISSUED else ""
    steps, next_step = selectors.voucher_timeline(item)
    return render(request, "rewards/voucher.html", {"voucher": item, "steps": steps, "next_step": next_step})


@login_required
@require_POST
def cancel(request: AuthenticatedHttpRequest, voucher_id: int) -> HttpResponse:
    try:
        item = voucher_cancel(voucher_id=voucher_id, user=request.user)
    except Voucher.DoesNotExist:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Voucher cancelled: %(points)s points are back in your account.") % {"points": item.price},
        )
    return redirect("rewards:voucher", voucher_id=voucher_id)


@login_required
def leaderboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    profile = getattr(request.user, "profile", None)
    own_street = profile.street if profile is not None else ""
    street = selectors.parse_street(request.GET.get("street"), default=own_street or "xihu")
    month = selectors.parse_month(request.GET.get("month"), today=today)
    rows = selectors.leaderboard(street=street, month=month, me=request.user)
    top, mine = selectors.leaderboard_page(rows)
    return render(
        request,
        "rewards/leaderboard.html",
        {
            "rows": top,
            "mine": mine,
            "street": street,
            "month": month,
            "months": selectors.recent_months(today=today),
            "streets": selectors.Street.choices,
            "opted_in": selectors.is_opted_in(user=request.user),
        },
    )


@login_required
@require_POST
def leaderboard_opt(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OptInForm(request.POST)
    if not form.is_valid():
        # An ErrorList item is the message text; django-stubs types it as the ValidationError it wraps.
        messages.error(request, form.errors["opted_in"][0])  # type: ignore[arg-type]
    elif form.cleaned_data["opted_in"]:
        leaderboard_opt_set(user=request.user, opted_in=True)
        messages.success(request, _("You are now shown on the leaderboard of your street."))
    else:
        leaderboard_opt_set(user=request.user, opted_in=False)
        messages.success(request, _("You are no longer shown on the leaderboard."))
    return redirect("rewards:leaderboard")


@login_required
def handover(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Station staff confirm that they handed the reward over (code typed, or scanned from the QR)."""
    stations = list(selectors.handover_stations(user=request.user))
    if not stations:
        return render(request, "rewards/not_station_staff.html", status=403)
    if request.method == "POST":
        form = HandoverForm(request.POST, stations=stations)
    else:
        code = request.GET.get("code", "")[:20]
        # A scanned code opens the page at the voucher's own station, if this person runs it.
        scanned_at = selectors.station_of_code(code=normalise_code(code), stations=stations)
        initial = {"code": code, **({"station": scanned_at} if scanned_at else {})}
        form = HandoverForm(initial=initial, stations=stations)
    confirmed = None
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = voucher_handover_confirm(
                voucher_code=form.cleaned_data["code"],
                station=form.chosen_station(),
                acting_user=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            form = HandoverForm(initial={"station": confirmed.station_id}, stations=stations)
    return render(
        request,
        "rewards/handover.html",
        {"form": form, "confirmed": confirmed},
        status=400 if form.errors else 200,
    )
