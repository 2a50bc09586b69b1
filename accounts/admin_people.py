"""Admin pages that show people: their phone as the viewer may see it, and searched so.

Whoever holds `accounts.see_phone_number` (accounts.selectors.may_see_phone) reads and
searches the full number; everyone else, station staff among them, reads 138****0001
and finds a person by name or by the last four digits only, so that holding a
number is never enough to confirm whose it is.

A person's own string (`User.__str__`) carries the full number, so every column, field
and title that would show it is swapped, per request, for its masked twin.
"""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.utils.translation import gettext

from accounts.selectors import may_see_phone, person_for, person_masked, phone_search
from core.admin_tools import found_ids
from core.privacy import masked_phone

if TYPE_CHECKING:
    # mypy reads the mixin as the ModelAdmin it is always combined with.
    _ModelAdminBase = admin.ModelAdmin
else:
    _ModelAdminBase = object


def _follow(obj, path: str):
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def _masked_person(name: str, path: str, description):
    @admin.display(description=description, ordering=f"{path}__real_name")
    def shown(obj) -> str:
        person = _follow(obj, path)
        if person is None:
            return "—"
        return person_masked(person)

    shown.__name__ = name
    return shown


def _masked_phone(name: str, path: str, description):
    @admin.display(description=description)
    def shown(obj) -> str:
        return masked_phone(_follow(obj, path) or "")

    shown.__name__ = name
    return shown


class PhoneMaskedAdmin(_ModelAdminBase):
    """Mixed into a ModelAdmin before it.

    `person_fields`: {name shown: path to a User} – a column or field that names a person
    (e.g. "user", or a display method); `phone_fields`: {name shown: path to a phone}; for
    viewers without the permission each is replaced by a masked twin named "<name>_masked".
    `phone_paths`: where the phones are for search ("user__phone").
    `own_twins`: names whose masked twin the admin writes itself (a list of people, say).
    `is_person`: the row itself is a person (User, WorkerProfile): its titles are masked too.
    """

    person_fields: dict[str, str] = {}
    phone_fields: dict[str, str] = {}
    own_twins: tuple[str, ...] = ()  # names whose "<name>_masked" the admin defines itself
    phone_paths: tuple[str, ...] = ()
    is_person = False
    person_path = ""  # from the row to its User when `is_person` ("" is the row, "user" a profile)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The twins live on the instance: their labels come from the model, known only now.
        for name, path in self.person_fields.items():
            setattr(self, f"{name}_masked", _masked_person(f"{name}_masked", path, self._label(name)))
        for name, path in self.phone_fields.items():
            setattr(self, f"{name}_masked", _masked_phone(f"{name}_masked", path, self._label(name)))

    def _label(self, name: str):
        """The column's own label: its display method's, else the model field's."""
        method = getattr(type(self), name, None)
        if method is not None and hasattr(method, "short_description"):
            return method.short_description
        return self.model._meta.get_field(name).verbose_name

    # --- columns and fields -------------------------------------------------------------------

    def _twinned(self) -> set[str]:
        return {*self.person_fields, *self.phone_fields, *self.own_twins}

    def _swap(self, names, swapped: set[str]) -> tuple:
        return tuple(dict.fromkeys(f"{name}_masked" if name in swapped else name for name in names))

    def _swapped(self, request, obj=None) -> set[str]:
        """The names shown as masked twins on this page: every one a viewer without the
        permission only reads (an editable person field keeps its input, with a masked label)."""
        if may_see_phone(request.user):
            return set()
        if obj is not None and not self.has_change_permission(request, obj):
            return self._twinned()  # a view-only page: Django shows every field read-only
        return self._twinned() & set(self.readonly_names(request, obj))

    def readonly_names(self, request, obj=None):
        """The admin's read-only fields before masking: override this, not get_readonly_fields."""
        return super().get_readonly_fields(request, obj)

    def get_list_display(self, request):
        names = tuple(super().get_list_display(request))
        return names if may_see_phone(request.user) else self._swap(names, self._twinned())

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if not links or may_see_phone(request.user):
            return links
        return self._swap(tuple(links), self._twinned())

    def get_fields(self, request, obj=None):
        return self._swap(tuple(super().get_fields(request, obj)), self._swapped(request, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        swapped = self._swapped(request, obj)
        if not swapped:
            return fieldsets
        return [
            (title, {**options, "fields": self._swap(tuple(options["fields"]), swapped)})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        names = tuple(self.readonly_names(request, obj))
        swapped = self._swapped(request, obj)
        # The original names stay read-only too, so that they never become form fields.
        return tuple(
            dict.fromkeys((*self._swap(names, swapped), *(f"{n}_masked" for n in swapped), *swapped))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in self.person_fields and not may_see_phone(request.user):
            field = person_raw_id_field(request, field)
            if field is not None and hasattr(field, "label_from_instance"):
                field.label_from_instance = person_masked
        return field

    # --- search -------------------------------------------------------------------------------

    def _is_phone_field(self, name: str) -> bool:
        return name.lstrip("=^@") in self.phone_paths

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if may_see_phone(request.user):
            return fields
        return tuple(name for name in fields if not self._is_phone_field(name))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        for path in self.phone_paths:
            found = phone_search(request.user, queryset, search_term, path=path)
            if found is not None:
                results = results | queryset.filter(pk__in=found_ids(found))
        return results, may_have_duplicates

    # --- titles of a person's own pages -------------------------------------------------------

    def _person_titles(self, request, object_id, title: str | None = None) -> dict:
        if not self.is_person or may_see_phone(request.user) or object_id is None:
            return {}
        obj = self.get_object(request, object_id)
        if obj is None:
            return {}
        shown = person_for(request.user, _follow(obj, self.person_path) if self.person_path else obj)
        return {"subtitle": shown, "person_shown": shown, **({"title": title % shown} if title else {})}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._person_titles(request, object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        titles = self._person_titles(request, object_id, gettext("Change history: %s"))
        titles.pop("subtitle", None)
        return super().history_view(request, object_id, {**(extra_context or {}), **titles})


class MaskedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box for a person: its label beside the id shows 138****0001, not the number."""

    def label_and_url_for_value(self, value):
        label, url = super().label_and_url_for_value(value)
        if not label:
            return label, url
        key = self.rel.get_related_field().name
        person = self.rel.model._default_manager.filter(**{key: value}).first()
        if person is None:
            return label, url
        return person_masked(person), url


def person_raw_id_field(request, field):
    """The admin's raw-id field for a person, masked for viewers who may not see phones."""
    if (
        field is not None
        and isinstance(field.widget, ForeignKeyRawIdWidget)
        and not may_see_phone(request.user)
    ):
        widget = field.widget
        field.widget = MaskedRawIdWidget(widget.rel, widget.admin_site, attrs=widget.attrs, using=widget.db)
    return field
