"""The dashboard's rollups: aggregates kept current by a Celery task, read by every panel.

A panel never reads the raw tables (reports, ledger lines, applications); it sums a few
hundred rollup rows. `dashboard.actions.rollups_refresh` rewrites the months that changed in
one transaction, so a reader sees either the previous rollup or the new one, never half.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Panel(models.TextChoices):
    ACADEMY = "academy", _("Courier Academy")
    SUBSIDIES = "subsidies", _("Tuition subsidies")
    SERVICES = "services", _("Service requests")
    GRID = "grid", _("Grid reports")
    STATIONS = "stations", _("Stations and points")


# The rollup measure of the places most reported (one row per place and month it came back in).
HOTSPOT_MEASURE = "hotspot_reports"
# How many of them the grid panel names.
HOTSPOTS_SHOWN = 10


class Rollup(models.Model):
    """One aggregate: a measure of a panel for a month (none for a state as of now), a street,
    an occupation and a key (intake, scenario, category, grid or station)."""

    # Which of dashboard.actions.SOURCES wrote the row: a refresh replaces a source's rows month by month.
    source = models.CharField(_("source"), max_length=30, blank=True)
    panel = models.CharField(_("panel"), max_length=12, choices=Panel.choices)
    measure = models.CharField(_("measure"), max_length=30)
    month = models.DateField(_("month"), null=True, blank=True)
    street = models.CharField(_("street"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=20, blank=True)
    key = models.CharField(_("key"), max_length=60, blank=True)
    label = models.CharField(_("label"), max_length=120, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)
    count = models.BigIntegerField(_("count"), default=0)
    # Sums that are not head counts: yuan, points, or hours of waiting.
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        indexes = [
            models.Index(fields=["panel", "month"], name="rollup_panel_month_idx"),
            models.Index(fields=["source", "month"], name="rollup_source_month_idx"),
            # The grid panel's rows without the places (tens of thousands at city scale, read only
            # by the refresh, dashboard.models.Hotspot): its query excludes them, and with the
            # index above it would still walk past every one of them.
            models.Index(
                fields=["panel", "month"],
                name="rollup_panel_month_nohot_idx",
                condition=~Q(measure=HOTSPOT_MEASURE),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=0), name="rollup_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.panel}.{self.measure} {self.month} {self.key}"


class RollupRun(models.Model):
    """One refresh of the rollups: when it ran and how long it took (the dashboard shows "as of")."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    rows = models.PositiveIntegerField(_("rows written"))
    # A full rebuild (daily, or the first) rather than the months changed since the previous refresh.
    full = models.BooleanField(_("full rebuild"), default=True)
    total_rows = models.PositiveIntegerField(_("rollup rows after"), default=0)

    class Meta:
        verbose_name = _("rollup refresh")
        verbose_name_plural = _("rollup refreshes")
        ordering = ["-finished_at", "-id"]
        get_latest_by = "finished_at"
        permissions = [
            ("view_district_dashboard", _("Can view the district dashboard")),
            ("view_station_dashboard", _("Can view the dashboard of the stations they run")),
        ]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M:%S}"

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


class Hotspot(models.Model):
    """One of the places most reported for one period and street (blank: the whole district),
    as the grid panel lists them: kept by the refresh for every period the filter can ask within
    the months there are hotspot rollups of, so a request reads at most ten rows, not the tens of
    thousands of (place, month) rollup rows a year has at city scale."""

    street = models.CharField(_("street"), max_length=20, blank=True)
    start = models.DateField(_("first month"))
    end = models.DateField(_("last month"))
    # 1 for the place reported most; only places with 5 reports or more have a row.
    rank = models.PositiveSmallIntegerField(_("rank"))
    key = models.CharField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=120, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)
    count = models.BigIntegerField(_("count"))

    class Meta:
        verbose_name = _("most reported place")
        verbose_name_plural = _("most reported places")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "start", "end", "rank"], name="hotspot_period_rank_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}–{self.end:%Y-%m} {self.street or '*'} #{self.rank} {self.key}"


class HotspotSpan(models.Model):
    """The first and last month of the hotspot rollups (one row, none without any): a period is
    read as its overlap with them, as months without rollups add nothing to a place's count."""

    first = models.DateField(_("first month"))
    last = models.DateField(_("last month"))

    class Meta:
        verbose_name = _("months of the most reported places")
        verbose_name_plural = _("months of the most reported places")

    def __str__(self) -> str:
        return f"{self.first:%Y-%m}–{self.last:%Y-%m}"
