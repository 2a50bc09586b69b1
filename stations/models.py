"""Courier stations (小哥驿站): standing places at a service point where workers rest, meet and
raise what blocks their work (deliberation sits above this app, in deliberation/)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Street


class Station(models.Model):
    class HostKind(models.TextChoices):
        MALL = "mall", _("Shopping mall")
        COMMUNITY = "community", _("Residential community")
        OFFICE_PARK = "office_park", _("Office park")
        OTHER = "other", _("Other")

    service_point = models.OneToOneField(
        "services.ServicePoint",
        on_delete=models.PROTECT,
        related_name="station",
        verbose_name=_("service point"),
    )
    name = models.CharField(_("station name"), max_length=80, unique=True)
    host_name = models.CharField(_("host"), max_length=120, help_text=_("e.g. the mall or the community"))
    host_kind = models.CharField(_("kind of host"), max_length=20, choices=HostKind.choices)
    street = models.CharField(_("street"), max_length=20, choices=Street.choices)
    # The station lead may be a staff member or a worker (e.g. a riders' representative).
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations_led",
        verbose_name=_("station lead"),
    )
    # Staff who work at the station: they show check-in codes and confirm reward hand-overs.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="stations_staffed", verbose_name=_("station staff")
    )
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("courier station")
        verbose_name_plural = _("courier stations")
        ordering = ["name"]
        # District staff; the station staff group does not get it (they run their own stations).
        permissions = [("manage_all_stations", _("Can run every station (district staff)"))]

    def __str__(self) -> str:
        return self.name

    def is_run_by(self, user) -> bool:
        """The lead or one of the station's staff (checked without loading the staff list)."""
        if not user.is_authenticated:
            return False
        return self.lead_id == user.pk or self.staff.filter(pk=user.pk).exists()
