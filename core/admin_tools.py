"""Admin pieces shared by every app: bounded counts, CSV export of the filtered list, forms saved by an action."""

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib.admin import TabularInline
from django.contrib.admin.options import csrf_protect_m
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

# Every admin CSV goes through the one formula-safe writer (core.csv_export).
from core.csv_export import csv_response as csv_response
from core.phone import normalize_mobile

# Web addresses typed without a scheme are https:// (Django 6's default; Django 5 still says http://).
HTTPS_URL_FIELDS: "Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]" = {
    models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"}
}

# Counting beyond this many rows is work nobody reads; the changelist says "10000+".
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows, so a page of a large table never costs a full COUNT(*)."""

    @cached_property
    def count(self) -> int:
        # Only admin change lists use this paginator: its object_list is always a QuerySet.
        queryset = cast(QuerySet, self.object_list)
        query = queryset.values("pk").order_by()[: COUNT_CAP + 1].query
        try:
            sql, params = query.sql_with_params()
        except EmptyResultSet:
            return 0  # e.g. a search that found no ids: nothing to ask the database
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)  # noqa: S608  (our own compiled SQL)
            return cursor.fetchone()[0]


def explain_changelist(model_admin, user, params: dict[str, str]) -> str:
    """PostgreSQL's plan for one page of a change list as `user` sees it with these GET parameters.

    The test of every large list and the bench read it, to show the index behind the list's order."""
    from django.test import RequestFactory  # a request built here, never served

    request = RequestFactory().get("/", params)
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    return changelist.queryset[: changelist.list_per_page].explain()


class ReadOnlyInline(TabularInline):
    """A history (or a list) under a change page: every field shown, nothing added, changed or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class Refuses:
    """A ModelAdmin (or inline) mixin naming which of Django's own forms it refuses, for rows that
    only actions write: `refuse = ("add", "delete")`; the other permissions stay Django's."""

    refuse: tuple[str, ...] = ("add", "change", "delete")

    def has_add_permission(self, request, *args) -> bool:
        return "add" not in self.refuse and super().has_add_permission(request, *args)  # type: ignore[misc]  # a ModelAdmin mixin

    def has_change_permission(self, request, obj=None) -> bool:
        return "change" not in self.refuse and super().has_change_permission(request, obj)  # type: ignore[misc]  # a ModelAdmin mixin

    def has_delete_permission(self, request, obj=None) -> bool:
        return "delete" not in self.refuse and super().has_delete_permission(request, obj)  # type: ignore[misc]  # a ModelAdmin mixin


class ShowOnlyAdmin:
    """Change pages that only show: every change goes through an action (a decision, a small page)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)


class UnionSearchAdmin:
    """A ModelAdmin mixin: search as a UNION of one lookup per search field, for large lists whose
    search fields live in more than one table (the request's text and its worker's name).

    Django's search ORs the fields in one WHERE over the join, which no index can answer: PostgreSQL
    reads both tables whole. Here each field is its own subquery (each served by its trigram index,
    core.indexes.search_index) and the list keeps the rows whose id one of them found; several terms
    must each be found, as in Django's search. A field is searched with `icontains`, or exactly when
    written "=field" (a number field only for a term that is a number: "=id" finds report #123).

    The ids each term finds are fetched first (one query a term, at most COUNT_CAP + 1 of them a
    field) and the page and the capped count read those ids alone, off the primary key (issue 23).
    Left as a subquery, the page and the count each ran the whole union again, the planner guessing
    how many rows it finds; and a lookup ORed in afterwards (PhoneMaskedAdmin's whole number, a join
    to the user) made PostgreSQL read the list's table whole: 1-2 s a search of a 1M-line ledger.
    A term that finds more than COUNT_CAP rows stays a subquery: so many matches lie dense along
    the order index, and the page and the capped count stop early."""

    def get_search_results(self, request, queryset, search_term):
        from django.utils.text import smart_split, unescape_string_literal

        fields = list(self.get_search_fields(request))
        if not search_term or not fields:
            return queryset, False
        for term in smart_split(search_term):
            if term[0] in "\"'" and term[0] == term[-1]:
                term = unescape_string_literal(term)
            matches = term_matches(queryset.model, fields, term)
            if matches is None:
                queryset = queryset.none()
                continue
            ids = [row["pk"] for row in matches]
            if len(ids) > COUNT_CAP:
                # Some field found more than the cap (or all together did): the whole union, unbounded.
                queryset = queryset.filter(pk__in=term_matches(queryset.model, fields, term, bounded=False))
            else:
                queryset = queryset.filter(pk__in=ids)
        return queryset, False


def found_ids(found: QuerySet) -> "list | QuerySet":
    """The ids of the rows `found` (a search's own lookup, e.g. a phone typed whole), fetched now
    when at most COUNT_CAP, else left as a subquery: ORed with a search's ids, the list stays a
    lookup by key, where `found`'s join (to the user's phone) would make PostgreSQL read the
    list's table whole (issue 23)."""
    ids = list(found.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
    return ids if len(ids) <= COUNT_CAP else found.order_by().values("pk")


def term_matches(model, fields, term: str, *, bounded: bool = True) -> QuerySet | None:
    """The ids of `model` that one search term finds in any of `fields` (a UNION of one indexed
    lookup a field, each of at most COUNT_CAP + 1 rows when `bounded`), or None when the term
    cannot match any field.

    More than COUNT_CAP in all means the term may find more rows than these; at most COUNT_CAP in
    all means no field was cut short, so these are all of them."""
    manager = model._default_manager
    bound = COUNT_CAP + 1 if bounded else None
    found = [
        manager.filter(**lookup).order_by().values("pk")[:bound]
        for field in fields
        if (lookup := _search_lookup(model, field, term)) is not None
    ]
    if not found:
        return None
    return found[0].union(*found[1:])


def _is_login_number(model_field) -> bool:
    """A person's login number (accounts.User.phone): a unique field named `phone`."""
    return isinstance(model_field, models.CharField) and model_field.name == "phone" and model_field.unique


def _search_lookup(model, field: str, term: str) -> dict | None:
    """The filter one search field makes of one term, or None when the term cannot match it."""
    from django.contrib.admin.utils import get_fields_from_path
    from django.core.exceptions import ValidationError

    if not field.startswith("="):
        if _is_login_number(get_fields_from_path(model, field)[-1]):
            try:
                # A whole mobile number: every login number is stored whole (+86 and 11 digits,
                # core.phone.normalize_mobile), so only the same number contains it. Looked up
                # on the unique index: its trigrams ("861", "700", "000") are in nearly every
                # number, and the trigram index reads posting lists as long as the table.
                return {field: normalize_mobile(term)}
            except ValidationError:
                pass  # part of a number: the trigram index
        return {f"{field}__icontains": term}
    path = field[1:]
    model_field = get_fields_from_path(model, path)[-1]
    if isinstance(model_field, models.CharField | models.TextField):
        return {f"{path}__iexact": term}
    try:
        value = model_field.to_python(term)
    except ValidationError:
        return None
    if isinstance(model_field, models.IntegerField) and not -(2**63) <= value < 2**63:
        return None
    return {path: value}


def changelist_queryset(model_admin, request):
    """The rows the staff member sees now: the changelist's own filters, search and ordering."""
    changelist = model_admin.get_changelist_instance(request)
    return changelist.get_queryset(request)


RowFunction = Callable[[object], list]


def choices_filter(*, title, parameter_name: str, choices, lookup: str) -> type:
    """A sidebar filter over a choice field reached through a relation (e.g. the worker's street),
    or over a column whose values the code knows (`choices` may be a callable, read per request):
    unlike Django's field filter it never asks the table for its distinct values."""
    from django.contrib import admin

    class ChoicesFilter(admin.SimpleListFilter):
        def lookups(self, request, model_admin):
            return choices() if callable(choices) else choices

        def queryset(self, request, queryset):
            return queryset.filter(**{lookup: self.value()}) if self.value() else queryset

    ChoicesFilter.title = title
    ChoicesFilter.parameter_name = parameter_name
    return ChoicesFilter


def month_filter(field: str, *, title, months: int = 24) -> type:
    """A sidebar filter of calendar months, the newest `months` of them counted back from today.

    In place of date_hierarchy, whose drill-down asks for the distinct dates of the whole list
    (a full scan of a table of millions): these months come from the calendar, and choosing one
    is a range on `field`, which its index serves."""
    import datetime as dt

    from django.contrib import admin
    from django.utils import timezone

    def month_start(year: int, month: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime(year, month, 1))

    def shifted(year: int, month: int, by: int) -> tuple[int, int]:
        index = year * 12 + month - 1 + by
        return index // 12, index % 12 + 1

    class MonthFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_month"

        def lookups(self, request, model_admin):
            today = timezone.localdate()
            return [
                (f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}")
                for year, month in (shifted(today.year, today.month, -back) for back in range(months))
            ]

        def queryset(self, request, queryset):
            value = self.value()
            if not value:
                return queryset
            try:
                year, month = (int(part) for part in value.split("-"))
                start = month_start(year, month)
            except ValueError:
                # Not a month (a typed URL): Django's own answer to a bad filter value.
                from django.contrib.admin.options import IncorrectLookupParameters

                raise IncorrectLookupParameters(value) from None
            end = month_start(*shifted(year, month, 1))
            return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})

    MonthFilter.title = title
    return MonthFilter


def selected_ids(request) -> list[int]:
    """The ids a bulk action passed on (`?ids=1,2,3` or a hidden field), ignoring anything that is not one."""
    raw = request.POST.get("ids") or request.GET.get("ids", "")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


class _Refused(Exception):
    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class ActionAdmin:
    """A ModelAdmin mixin for change forms that write through an action, never `obj.save()`.

    Subclasses implement `save_by_action(request, obj, form, formsets, change)`: it parses the form
    (and inline formsets) and calls the action, which checks the permission, saves and writes the
    audit row, and returns the saved object. When the action refuses (ApplicationError), it has
    written nothing (it is its own transaction) and the form is shown again, as posted, with the action's message as its
    error (on the field named by the error's `extra["field"]`, if any): the rule lives in the action
    only, not copied into a form's clean().
    """

    def save_by_action(self, request, obj, form, formsets, change):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        """Nothing is saved here: save_related (which sees the inlines too) calls the action."""

    def save_related(self, request, form, formsets, change):
        from core.exceptions import ApplicationError

        try:
            saved = self.save_by_action(request, form.instance, form, formsets, change)
        except ApplicationError as error:
            raise _Refused(error.message, error.extra.get("field")) from error
        form.instance.pk = saved.pk

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines were parsed, not saved by their formsets: the action's audit row has the details.
        return super().construct_change_message(request, form, [], add)

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django runs a posted form inside a transaction of its own; the action would then be a
        # savepoint in it, holding its row locks until the page is drawn, and a durable action
        # refuses to run there at all. Here the form runs outside any transaction: the action is
        # the transaction, and a refused action has written nothing.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            request._action_refusal = refused
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "_action_refusal", None)
        if refused is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                # On the field the action names (ApplicationError extra={"field": ...}), if the form has it.
                self.add_error(refused.field if refused.field in self.fields else None, refused.message)
                return cleaned

        RefusedForm.__name__ = form.__name__
        return RefusedForm


def formset_rows(formsets, model) -> list[dict]:
    """The cleaned rows of the inline formsets of `model` an ActionAdmin passes to its action
    (rows marked for deletion and empty extra rows left out)."""
    rows = []
    for formset in formsets:
        if formset.model is not model:
            continue
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE"):
                rows.append(data)
    return rows


def posted(request):
    """The posted data, or None for a GET: an empty POST is still a submission ("required"), not a fresh form."""
    return request.POST if request.method == "POST" else None


def action_page(
    model_admin,
    request,
    form,
    run: Callable[[dict], Any],
    *,
    done,
    next_url: Callable[[Any], str] | str,
    title,
    template: str,
    error_status: int = 400,
    refusal_as_message: bool = False,
    **context: Any,
):
    """A small staff page of one form whose valid post calls one action (`run(cleaned_data)`).

    Done: the `done` message and a redirect to `next_url` (or `next_url(what run returned)`).
    Refused (the action's ApplicationError; it changed nothing): the form again as typed, with the
    action's message on the field it names (ApplicationError extra={"field": ...}) or above the
    form (or as the page's message), answered with `error_status`."""
    from django.contrib import messages
    from django.http import HttpResponseRedirect
    from django.template.response import TemplateResponse

    from core.exceptions import ApplicationError

    if request.method == "POST" and form.is_valid():
        try:
            result = run(form.cleaned_data)
        except ApplicationError as error:
            if refusal_as_message:
                model_admin.message_user(request, error.message, messages.ERROR)
            else:
                field = error.extra.get("field")
                form.add_error(field if field in form.fields else None, error.message)
        else:
            model_admin.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(next_url(result) if callable(next_url) else next_url)
    page = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "opts": model_admin.model._meta,
        **context,
    }
    return TemplateResponse(request, template, page, status=error_status if form.errors else 200)


Column = tuple[Any, Callable[[Any], Any]]


def csv_of(filename: str, columns: "list[Column]", objects) -> Any:
    """A streamed CSV of `objects`, one row each: `columns` pairs each header with the value it reads
    off a row, so a column's title and content are written (and changed) together."""
    return csv_response(
        filename,
        [str(title) for title, _value in columns],
        ([value(obj) for _title, value in columns] for obj in objects),
    )


# --- permissions and groups in the reader's language (issue 19) ---------------------------------

_DEFAULT_ACTIONS = {
    "add": gettext_lazy("Can add %(model)s"),
    "change": gettext_lazy("Can change %(model)s"),
    "delete": gettext_lazy("Can delete %(model)s"),
    "view": gettext_lazy("Can view %(model)s"),
}


# Models of the packages whose names have no Chinese (their permissions are still listed).
_PACKAGE_APPS = {"oauth2_provider": gettext_lazy("Partner API (OAuth)")}
_PACKAGE_MODELS = {
    "oauth2_provider.accesstoken": gettext_lazy("OAuth access token"),
    "oauth2_provider.application": gettext_lazy("OAuth application"),
    "oauth2_provider.grant": gettext_lazy("OAuth grant"),
    "oauth2_provider.idtoken": gettext_lazy("OAuth ID token"),
    "oauth2_provider.refreshtoken": gettext_lazy("OAuth refresh token"),
    "oauth2_provider.devicegrant": gettext_lazy("OAuth device grant"),
    "mfa.authenticator": gettext_lazy("authenticator"),
}


def permission_label(permission) -> str:
    """ "学费资助申请 | 可查看学费资助申请": the stored name is English, written when the database was
    migrated; the model's verbose name and the declared permission's text are translated here."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    opts = model._meta
    model_label = _PACKAGE_MODELS.get(opts.label_lower, opts.verbose_name)
    app_label = _PACKAGE_APPS.get(opts.app_label, opts.app_config.verbose_name)
    action, _sep, model_name = permission.codename.partition("_")
    declared = {codename: name for codename, name in getattr(opts, "permissions", ())}
    if permission.codename in declared:
        name = gettext(str(declared[permission.codename]))
    elif action in _DEFAULT_ACTIONS and model_name == opts.model_name:
        name = str(_DEFAULT_ACTIONS[action]) % {"model": model_label}
    else:
        name = gettext(permission.name)
    return f"{app_label} | {model_label} | {name}"


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return permission_label(obj)


def permissions_formfield(db_field, **kwargs):
    """The "permissions" / "user_permissions" field of a group or a user, labelled by permission_label."""
    kwargs["queryset"] = kwargs.get("queryset", db_field.remote_field.model.objects).select_related(
        "content_type"
    )
    return db_field.formfield(form_class=PermissionsField, **kwargs)
