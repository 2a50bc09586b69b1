"""The initial survey's GeoJSON import (the export's own format, RFC 7946): all or nothing.

Every feature is checked first; one broken feature refuses the whole file with each problem
named, so an import never half-applies. A dry run makes the same changes inside a transaction
that is rolled back and reports what would change.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit, validation
from core.permissions import require_permission
from delivery.models import Building, DropPoint, Gate, Parking, Site
from delivery.refs import parse_building_ref

MAX_FEATURES = 200_000

NOT_JSON = _("The file is not GeoJSON (it is not JSON): %(error)s")
NOT_COLLECTION = _("The file must be one GeoJSON FeatureCollection.")
TOO_MANY = _("The file has more than %(max)s features; split it.")
BAD_FEATURE = _("Feature %(n)s is not a GeoJSON Feature with geometry and properties.")
BAD_KIND = _(
    "Feature %(n)s: properties.feature must be site, site_outline, gate, parking, drop_point or building."
)
BAD_POINT = _("Feature %(n)s: the geometry must be a Point with [longitude, latitude] in range.")
BAD_POLYGON = _(
    "Feature %(n)s: an outline must be a Polygon whose ring is closed and has at least four positions "
    "[longitude, latitude] in range."
)
NO_NAME = _("Feature %(n)s: properties.name is missing.")
BAD_ID = _("Feature %(n)s: its id must be a UUID.")
UNKNOWN_SITE = _("Feature %(n)s: its site %(site)s is neither on the map nor in the file.")
BAD_NUMBER = _("Feature %(n)s: %(error)s")

PARTS: dict[str, type[models.Model]] = {
    "gate": Gate,
    "parking": Parking,
    "drop_point": DropPoint,
    "building": Building,
}
LABELS = {
    "site": _("sites"),
    "site_outline": _("outlines"),
    "gate": _("gates"),
    "parking": _("rider parking"),
    "drop_point": _("drop points"),
    "building": _("buildings"),
}
GATE_FIELDS = ("on_foot", "ebike", "guard", "phone")


@dataclass
class ImportReport:
    dry_run: bool
    errors: list[str] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def applied(self) -> bool:
        return not self.errors and not self.dry_run

    def lines(self) -> list[str]:
        return [
            str(_("%(what)s: %(created)s new, %(updated)s changed, %(unchanged)s unchanged"))
            % {
                "what": LABELS[kind],
                "created": self.created[kind],
                "updated": self.updated[kind],
                "unchanged": self.unchanged[kind],
            }
            for kind in LABELS
            if self.created[kind] or self.updated[kind] or self.unchanged[kind]
        ]


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _position(value) -> tuple[float, float] | None:
    if isinstance(value, list) and len(value) in (2, 3) and all(_number(c) for c in value):
        lng, lat = value[0], value[1]
        if -180 <= lng <= 180 and -90 <= lat <= 90:
            return float(lat), float(lng)
    return None


@dataclass
class _Feature:
    n: int
    kind: str
    id: uuid.UUID | None
    properties: dict
    point: tuple[float, float] | None = None
    ring: list[list[float]] | None = None


def _check(document: Any, report: ImportReport) -> list[_Feature]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        report.errors.append(str(NOT_COLLECTION))
        return []
    raw = document.get("features")
    if not isinstance(raw, list):
        report.errors.append(str(NOT_COLLECTION))
        return []
    if len(raw) > MAX_FEATURES:
        report.errors.append(str(TOO_MANY) % {"max": f"{MAX_FEATURES:,}"})
        return []
    features = []
    for n, item in enumerate(raw, start=1):
        if not (
            isinstance(item, dict)
            and item.get("type") == "Feature"
            and isinstance(item.get("geometry"), dict)
        ):
            report.errors.append(str(BAD_FEATURE) % {"n": n})
            continue
        properties: dict = item["properties"] if isinstance(item.get("properties"), dict) else {}
        kind = properties.get("feature")
        if kind not in LABELS:
            report.errors.append(str(BAD_KIND) % {"n": n})
            continue
        feature_id = None
        if kind != "site_outline" and item.get("id") is not None:
            try:
                feature_id = uuid.UUID(str(item["id"]))
            except ValueError:
                report.errors.append(str(BAD_ID) % {"n": n})
                continue
        feature = _Feature(n, kind, feature_id, properties)
        geometry = item["geometry"]
        if kind == "site_outline":
            rings = geometry.get("coordinates") if geometry.get("type") == "Polygon" else None
            ring = rings[0] if isinstance(rings, list) and rings and isinstance(rings[0], list) else None
            positions = [_position(p) for p in ring] if ring else []
            if not ring or len(ring) < 4 or ring[0] != ring[-1] or None in positions:
                report.errors.append(str(BAD_POLYGON) % {"n": n})
                continue
            feature.ring = [[lng, lat] for lat, lng in positions[:-1]]  # type: ignore[misc]
        else:
            feature.point = (
                _position(geometry.get("coordinates")) if geometry.get("type") == "Point" else None
            )
            if feature.point is None:
                report.errors.append(str(BAD_POINT) % {"n": n})
                continue
            if not str(properties.get("name") or "").strip():
                report.errors.append(str(NO_NAME) % {"n": n})
                continue
        if kind == "building":
            try:
                properties["number"] = parse_building_ref(
                    str(properties.get("number") or properties["name"])
                ).number
            except ValueError as error:
                report.errors.append(str(BAD_NUMBER) % {"n": n, "error": error})
                continue
        features.append(feature)
    return features


def _same(old, new) -> bool:
    # Coordinates travel rounded to 7 places (about 1 cm): equal at that precision is unchanged.
    if isinstance(old, float) and isinstance(new, float):
        return round(old, 7) == round(new, 7)
    return old == new


def _save(report: ImportReport, kind: str, row: models.Model, values: dict, created: bool) -> None:
    changed = created or any(not _same(getattr(row, name), value) for name, value in values.items())
    for name, value in values.items():
        setattr(row, name, value)
    if changed:
        row.save()
    (report.created if created else report.updated if changed else report.unchanged)[kind] += 1


CSV_COLUMNS = ("feature", "id", "site", "name", "latitude", "longitude", "kind", "address", "number")
NOT_UTF8 = _("The file is not UTF-8 text; save it as CSV UTF-8 and try again.")
CSV_HEADER = _("The CSV file's first line must name the columns: %(columns)s.")
CSV_NUMBER = _("Row %(n)s: latitude and longitude must be decimal degrees, e.g. 30.2818 and 120.0911.")


def csv_document(text: str, report: ImportReport) -> dict:
    """The survey's spreadsheet as the same FeatureCollection the GeoJSON import reads: one row a
    site or a part, a point at (latitude, longitude); a part's `site` is its site's id."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"feature", "name", "latitude", "longitude"} <= set(reader.fieldnames):
        report.errors.append(str(CSV_HEADER) % {"columns": ", ".join(CSV_COLUMNS)})
        return {"type": "FeatureCollection", "features": []}
    features = []
    for n, row in enumerate(reader, start=2):
        try:
            lat, lng = float(row["latitude"]), float(row["longitude"])
        except (TypeError, ValueError):
            report.errors.append(str(CSV_NUMBER) % {"n": n})
            continue
        properties = {
            k: v
            for k, v in row.items()
            if k in CSV_COLUMNS and k not in ("id", "latitude", "longitude") and v
        }
        feature: dict[str, Any] = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": properties,
        }
        if row.get("id"):
            feature["id"] = row["id"]
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def geojson_import(*, data: bytes, acting_user: User, dry_run: bool = True) -> ImportReport:
    """Import a GeoJSON FeatureCollection or, when the file is not JSON, the survey's CSV."""
    require_permission(acting_user, "delivery.add_site")
    report = ImportReport(dry_run=dry_run)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(str(NOT_UTF8))
        return report
    if text.lstrip()[:1] in ("{", "["):
        try:
            if validation.json_depth_exceeds(text):
                raise ValueError("nested too deeply")
            document = json.loads(text)
        except ValueError as error:
            report.errors.append(str(NOT_JSON) % {"error": error})
            return report
    else:
        document = csv_document(text, report)
        if report.errors:
            return report
    features = _check(document, report)
    if report.errors:
        return report
    with transaction.atomic(durable=True):
        in_file = {f.id for f in features if f.kind == "site" and f.id}
        known = {
            str(u)
            for u in Site.objects.filter(uuid__in=[*in_file, *_site_refs(features)]).values_list(
                "uuid", flat=True
            )
        }
        for feature in features:
            if feature.kind != "site" and str(feature.properties.get("site")) not in known | {
                str(u) for u in in_file
            }:
                report.errors.append(
                    str(UNKNOWN_SITE) % {"n": feature.n, "site": feature.properties.get("site")}
                )
        if report.errors:
            return report
        sites: dict[str, Site] = {}
        for feature in (f for f in features if f.kind == "site"):
            site = Site.objects.filter(uuid=feature.id).first() if feature.id else None
            created = site is None
            site = site or Site(uuid=feature.id or uuid.uuid4())
            lat, lng = feature.point  # type: ignore[misc]
            values = {
                "name": str(feature.properties["name"]).strip()[:100],
                "kind": feature.properties.get("kind")
                if feature.properties.get("kind") in Site.Kind.values
                else site.kind,
                "address": str(feature.properties.get("address") or site.address or "")[:200],
                "latitude": lat,
                "longitude": lng,
            }
            _save(report, "site", site, values, created)
            sites[str(site.uuid)] = site

        def site_of(feature: _Feature) -> Site:
            ref = str(feature.properties["site"])
            if ref not in sites:
                sites[ref] = Site.objects.get(uuid=ref)
            return sites[ref]

        for feature in (f for f in features if f.kind == "site_outline"):
            site = site_of(feature)
            _save(report, "site_outline", site, {"outline": feature.ring}, False)
        for feature in (f for f in features if f.kind in PARTS):
            model = PARTS[feature.kind]
            site = site_of(feature)
            row = model._default_manager.filter(uuid=feature.id).first() if feature.id else None
            if row is None and feature.kind == "building":
                row = Building.objects.filter(site=site, number=feature.properties["number"]).first()
            elif row is None and not site._state.adding:
                # Without an id, a part is known by its name within its site (a survey re-run).
                name = str(feature.properties["name"]).strip()[:60]
                row = model._default_manager.filter(site=site, name=name).first()
            created = row is None
            row = row or model(uuid=feature.id or uuid.uuid4(), site=site)
            lat, lng = feature.point  # type: ignore[misc]
            part: dict[str, Any] = {
                "name": str(feature.properties["name"]).strip()[:60],
                "latitude": lat,
                "longitude": lng,
                "is_active": feature.properties.get("active", True) is not False,
                "notes": str(feature.properties.get("notes") or "")[:200],
            }
            if feature.kind == "building":
                part["number"] = feature.properties["number"]
            if feature.kind == "gate":
                part.update({k: feature.properties[k] for k in GATE_FIELDS if k in feature.properties})
            _save(report, feature.kind, row, part, created)
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit.record(
                actor=acting_user,
                action="delivery.import",
                target=None,
                data={"created": dict(report.created), "updated": dict(report.updated)},
            )
    return report


def _site_refs(features: list[_Feature]) -> list[uuid.UUID]:
    refs = []
    for feature in features:
        try:
            refs.append(uuid.UUID(str(feature.properties.get("site"))))
        except ValueError:
            continue
    return refs
