"""The station scope in Django admin: one mixin every station-bound admin is built on.

Station staff see and act on the rows of the stations they run; district staff
(`stations.manage_all_stations`) and superusers on all of them. Who runs which
station is decided by the door in stations/selectors.py; this module applies it
to each surface of an admin page:

- the changelist and everything built from it (admin actions, CSV exports, the
  custom pages that look rows up in `get_queryset`);
- the change, delete and history pages: a foreign id answers 404, like a missing one;
- list filters over a station (or over a station-bound relation such as a team)
  offer only the person's own;
- choice fields (and autocompletes, which ask the related admin's queryset) offer
  only the person's own stations and station-bound rows.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404

from stations.models import Station
from stations.selectors import in_station_scope, runs_every_station

# Shown only with DEBUG: the 404 page itself says nothing about the row.
NOT_FOUND = "No row with this id in the stations you run."


def station_path_of(model) -> str | None:
    """Where a model's station is, read from its own scoped admin (None: not station-bound)."""
    if model is Station:
        return "pk"
    model_admin = admin.site._registry.get(model)
    return getattr(model_admin, "station_path", None) if isinstance(model_admin, StationScopedAdmin) else None


def scoped_to(queryset, *, user):
    """`queryset` cut to the user's stations when its model is station-bound; as it is otherwise."""
    path = station_path_of(queryset.model)
    return queryset if path is None else in_station_scope(queryset, user=user, station_path=path)


class OwnStationsFilter(admin.RelatedFieldListFilter):
    """A related-field filter that offers only the stations (or station-bound rows) the person runs."""

    def field_choices(self, field, request, model_admin):
        if model_admin.sees_every_station(request):
            return super().field_choices(field, request, model_admin)
        related = field.remote_field.model
        own = scoped_to(related._default_manager.all(), user=request.user).values("pk")
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": own},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


class StationScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin over rows that belong to a station, reached through `station_path`."""

    # "pk" for Station itself; "station", "event__station", "team__station", ...; None for rows
    # with no station of their own, whose admin then overrides station_scope (the points ledger).
    station_path: str | None = "station"
    # Work at every station that one app gives with a permission of its own (rewards: confirming
    # hand-overs anywhere) also shows that app's rows of every station. Who runs a station is
    # still only the door's answer.
    every_station_permissions: tuple[str, ...] = ()

    def sees_every_station(self, request) -> bool:
        user = request.user
        if runs_every_station(user):
            return True
        return bool(user.is_active and user.is_staff) and any(
            user.has_perm(permission) for permission in self.every_station_permissions
        )

    def station_scope(self, request, queryset):
        """The rows of `queryset` this staff member may see (the ledger overrides it)."""
        if self.sees_every_station(request):
            return queryset
        if self.station_path is None:
            raise NotImplementedError(f"{type(self).__name__} has no station_path: override station_scope")
        return in_station_scope(queryset, user=request.user, station_path=self.station_path)

    def get_queryset(self, request):
        return self.station_scope(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        # A foreign id and a missing id answer alike, 404: neither says that the row exists.
        # Without any permission on the model, Django's own 403 comes first, as on every page.
        if obj is None and self.has_view_or_change_permission(request):
            raise Http404(NOT_FOUND)
        return obj

    def get_list_filter(self, request):
        return tuple(self._own_filter(entry) for entry in super().get_list_filter(request))

    def _own_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):  # not a field path: Django's checks report it
            return entry
        if isinstance(field, models.ForeignKey) and station_path_of(field.remote_field.model) is not None:
            return (entry, OwnStationsFilter)
        return entry

    def _own_choices(self, request, field):
        if field is not None and hasattr(field, "queryset") and not self.sees_every_station(request):
            field.queryset = scoped_to(field.queryset, user=request.user)
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._own_choices(request, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._own_choices(request, super().formfield_for_manytomany(db_field, request, **kwargs))
