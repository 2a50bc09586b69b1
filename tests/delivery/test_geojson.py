"""The open GeoJSON export, checked against the rules of RFC 7946."""

import datetime as dt
import itertools
import json
import math

import pytest
from django.utils import timezone

from delivery.models import Building, Gate, Site
from tests.delivery.factories import HERE, build_site

pytestmark = pytest.mark.django_db

URL = "/api/delivery/geojson"
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def check_position(position) -> None:
    # §3.1.1: [longitude, latitude] (altitude optional), WGS-84 (§4); numbers only.
    assert isinstance(position, list) and len(position) in (2, 3), position
    assert all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in position)
    lng, lat = position[:2]
    assert -180 <= lng <= 180 and -90 <= lat <= 90, position


def ring_area2(ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))


def check_geometry(geometry) -> None:
    assert set(geometry) == {"type", "coordinates"}, geometry  # §3.1: no "crs" (removed from GeoJSON)
    kind, coordinates = geometry["type"], geometry["coordinates"]
    assert kind in GEOMETRY_TYPES
    if kind == "Point":
        check_position(coordinates)
    elif kind == "Polygon":
        assert isinstance(coordinates, list) and coordinates
        for index, ring in enumerate(coordinates):
            # §3.1.6: a linear ring is closed, with four or more positions.
            assert len(ring) >= 4 and ring[0] == ring[-1], ring
            for position in ring:
                check_position(position)
            # §3.1.6: exterior rings counter-clockwise, holes clockwise (the right-hand rule).
            assert (ring_area2(ring) > 0) == (index == 0), ring
    else:  # the export writes only points and polygons
        raise AssertionError(kind)


def check_feature_collection(document) -> None:
    assert document["type"] == "FeatureCollection"  # §3.3
    assert isinstance(document["features"], list)
    assert "crs" not in document
    ids = []
    for feature in document["features"]:
        assert feature["type"] == "Feature"  # §3.2
        assert {"type", "geometry", "properties"} <= set(feature)
        assert isinstance(feature["properties"], dict | type(None))
        if "id" in feature:
            assert isinstance(feature["id"], str | int | float)
            ids.append(feature["id"])
        check_geometry(feature["geometry"])
    assert len(ids) == len(set(ids))


def load(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response.streaming
    return json.loads(b"".join(response.streaming_content))


def test_the_export_is_valid_rfc_7946(client, site):
    site.outline = [[120.084, 30.299], [120.084, 30.302], [120.087, 30.302], [120.087, 30.299]]  # clockwise
    site.save(update_fields=["outline"])
    document = load(client)
    check_feature_collection(document)
    kinds = [f["properties"]["feature"] for f in document["features"]]
    assert kinds == ["site", "site_outline"] + ["gate"] * 3 + ["parking", "drop_point"] + ["building"] * 4
    first = document["features"][0]
    # [longitude, latitude], not the other way round.
    assert first["geometry"] == {"type": "Point", "coordinates": [HERE[1], HERE[0]]}
    assert first["id"] == str(site.uuid)
    assert first["properties"] == {
        "feature": "site",
        "site": str(site.uuid),
        "name": "紫金港花园",
        "updated": site.updated_at.isoformat(),
        "kind": "compound",
        "address": "西湖区三墩镇紫金港路88号",
    }
    outline = document["features"][1]["geometry"]["coordinates"][0]
    assert outline[0] == outline[-1] and ring_area2(outline) > 0  # turned counter-clockwise
    gate = document["features"][3]
    assert gate["properties"] == {
        "feature": "gate",
        "site": str(site.uuid),
        "name": "北门",
        "updated": gate["properties"]["updated"],
        "active": True,
        "notes": "",
        "on_foot": True,
        "ebike": False,
        "opens_at": "06:00",
        "closes_at": "22:00",
        "guard": "scan",
        "phone": "",
    }


def test_only_public_fields_and_active_sites(client, site):
    hidden = build_site("内部测试小区", aliases="", point=(30.28, 120.1), buildings=1, units=1)
    Site.objects.filter(pk=hidden.pk).update(is_active=False)
    text = json.dumps(load(client), ensure_ascii=False)
    assert "内部测试小区" not in text
    for private in ("managers", "corrections", "search_text", "proposer"):
        assert private not in text


def test_modified_since_gives_only_what_changed(client, site):
    later = timezone.now() + dt.timedelta(seconds=1)
    Gate.objects.filter(site=site, name="北门").update(
        is_active=False, updated_at=later + dt.timedelta(minutes=1)
    )
    document = load(client, modified_since=later.isoformat())
    check_feature_collection(document)
    assert [
        (f["properties"]["feature"], f["properties"]["name"], f["properties"]["active"])
        for f in document["features"]
    ] == [("gate", "北门", False)]


def test_an_empty_map_is_an_empty_collection(client, db):
    assert load(client) == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize(
    "params, errors",
    [
        (
            {"modified_since": "yesterday"},
            {
                "modified_since": [
                    "modified_since must be an ISO 8601 date or date-time, e.g. 2026-03-01T08:00:00+08:00."
                ]
            },
        ),
        ({"bbox": "1,2,3,4"}, {"bbox": ["bbox is not a parameter of this path; it takes: modified_since."]}),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, db, params, errors):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == errors


def test_query_count_does_not_grow_with_sites(client, django_assert_num_queries, site):
    for n in range(5):
        build_site(f"小区{n}", aliases="", point=(30.28 + n / 100, 120.1), buildings=3, units=1)
    # Each of the five tables read through a server-side cursor: declare, fetch, close (the
    # fetch of an empty remainder ends it), inside one transaction. Sites, gates, parking, drop
    # points, buildings: whatever their number, a fixed set of round trips.
    response = client.get(URL)
    with django_assert_num_queries(5):
        body = b"".join(response.streaming_content)
    assert len(json.loads(body)["features"]) == 6 * (1 + 3 + 1 + 1) + 4 + 5 * 3
    assert Building.objects.count() == 19
