from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.actions import inbox_mark_all_read, inbox_mark_read
from notifications.selectors import inbox_for

if TYPE_CHECKING:
    # For annotations only: notifications imports nothing of accounts at run time.
    from accounts.typing import AuthenticatedHttpRequest

PAGE_SIZE = 20


@login_required
def inbox(request: "AuthenticatedHttpRequest") -> HttpResponse:
    page = Paginator(inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


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
