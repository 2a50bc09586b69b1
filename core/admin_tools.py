"""Admin pieces shared by every app: bounded counts, CSV export of the filtered list, forms saved by an action."""

from collections.abc import Callable
from functools import cached_property

from django.contrib.admin.options import csrf_protect_m
from django.core.paginator import Paginator
from django.db import connections

# Every admin CSV goes through the one formula-safe writer (core.csv_export).
from core.csv_export import csv_response as csv_response

# Counting beyond this many rows is work nobody reads; the changelist says "10000+".
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows, so a page of a large table never costs a full COUNT(*)."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = queryset.values("pk").order_by()[: COUNT_CAP + 1].query
        sql, params = query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)  # noqa: S608  (our own compiled SQL)
            return cursor.fetchone()[0]


def changelist_queryset(model_admin, request):
    """The rows the staff member sees now: the changelist's own filters, search and ordering."""
    changelist = model_admin.get_changelist_instance(request)
    return changelist.get_queryset(request)


RowFunction = Callable[[object], list]


def choices_filter(*, title, parameter_name: str, choices, lookup: str) -> type:
    """A sidebar filter over a choice field reached through a relation (e.g. the worker's street)."""
    from django.contrib import admin

    class ChoicesFilter(admin.SimpleListFilter):
        def lookups(self, request, model_admin):
            return choices

        def queryset(self, request, queryset):
            return queryset.filter(**{lookup: self.value()}) if self.value() else queryset

    ChoicesFilter.title = title
    ChoicesFilter.parameter_name = parameter_name
    return ChoicesFilter


def selected_ids(request) -> list[int]:
    """The ids a bulk action passed on (`?ids=1,2,3` or a hidden field), ignoring anything that is not one."""
    raw = request.POST.get("ids") or request.GET.get("ids", "")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


def decide_each(model_admin, request, objects, decide, reason: str) -> int:
    """Run one decision per object through its action; refusals are reported, the others go on."""
    from django.contrib import messages
    from django.utils.translation import ngettext

    from core.exceptions import ApplicationError

    done = 0
    for obj in objects:
        try:
            decide(obj.pk, request.user, reason)
        except ApplicationError as error:
            model_admin.message_user(request, f"#{obj.pk}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(
            request,
            ngettext("%(count)d application decided.", "%(count)d applications decided.", done)
            % {"count": done},
            messages.SUCCESS,
        )
    return done


class ActionSavedAdmin:
    """For a ModelAdmin whose posted form saves through one action (its `save_model`).

    Django runs a posted add/change form inside a transaction of its own; the action then
    would be a savepoint in it, holding its row locks until the page is drawn, and a
    durable action refuses to run there at all. Here the form runs outside any
    transaction and the action is the transaction.
    """

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)
