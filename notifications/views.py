import hmac
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import fragments, ratelimit
from notifications.actions import inbox_mark_all_read, inbox_mark_read, receipts_record
from notifications.backends import ReceiptInvalid
from notifications.providers.receipts import FORMATS
from notifications.selectors import inbox_for, inbox_state

if TYPE_CHECKING:
    # For annotations only: notifications imports nothing of accounts at run time.
    from accounts.typing import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

PAGE_SIZE = 20

# Answers to the providers' machines (English, like every machine-facing error here).
RECEIPT_TOKEN_WRONG = "wrong receipt token"  # noqa: S105 (an error text, not a secret)
RECEIPT_TOO_MANY = "too many receipt pushes"
RECEIPT_POST_ONLY = "receipts are POSTed"


@login_required
def inbox(request: "AuthenticatedHttpRequest") -> HttpResponse:
    state = inbox_state(user=request.user)

    def draw() -> fragments.Drawn:
        page = Paginator(inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        html = render_to_string("notifications/_messages.html", {"page": page}, request)
        return fragments.Drawn(html, keep=fragments.plain_query(request))

    listing = fragments.own(request, None, "inbox", (*state, request.GET.urlencode()), draw)
    # The header's unread count from the same query (the context processor's would be one more).
    return render(
        request, "notifications/inbox.html", {"listing": listing, "inbox_unread_count": state.unread}
    )


@login_required
@require_POST
def open_message(request: "AuthenticatedHttpRequest", message_id: int) -> HttpResponse:
    message = get_object_or_404(inbox_for(user=request.user), pk=message_id)
    inbox_mark_read(user=request.user, message_id=message.pk)
    if message.link and url_has_allowed_host_and_scheme(message.link, allowed_hosts={request.get_host()}):
        return redirect(message.link)
    return redirect("inbox")


@login_required
@require_POST
def mark_all_read(request: "AuthenticatedHttpRequest") -> HttpResponse:
    inbox_mark_all_read(user=request.user)
    return redirect("inbox")


@csrf_exempt
def sms_receipts(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    """A provider's delivery receipts. Neither provider signs them (their docs describe no
    signature), so the URL ends in a secret token of ours: a wrong one is 403 and changes
    nothing. Limited per IP address before the token is compared, like the other public doors."""
    receipt_format = FORMATS.get(provider)
    if receipt_format is None:
        raise Http404

    def answer(ok: bool, reason: str, status: int) -> JsonResponse:
        response = JsonResponse(receipt_format.answer(ok, reason), status=status)
        # Django logs every 4xx with its path, and the path holds the token: these are logged
        # here, without it.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    if request.method != "POST":
        response = answer(False, RECEIPT_POST_ONLY, 405)
        response["Allow"] = "POST"
        return response
    verdict = ratelimit.consume(
        request, action="sms_receipts", rates=ratelimit.with_per(settings.SMS_RECEIPT_RATE_LIMIT_PER_IP, "ip")
    )
    if not verdict.allowed:
        logger.warning("%s receipts: too many pushes from %s", provider, ratelimit.client_ip(request))
        response = answer(False, RECEIPT_TOO_MANY, 429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    expected = getattr(settings, receipt_format.settings_name).get("receipt_token", "")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        logger.warning("%s receipts with a wrong token from %s", provider, ratelimit.client_ip(request))
        return answer(False, RECEIPT_TOKEN_WRONG, 403)
    try:
        receipts = receipt_format.parse(request.body)
    except ReceiptInvalid as problem:
        logger.warning("%s receipts refused: %s", provider, problem)
        return answer(False, str(problem), 400)
    changed = receipts_record(provider=provider, receipts=receipts)
    logger.info("%s receipts: %d received, %d recorded", provider, len(receipts), changed)
    return answer(True, "", 200)
