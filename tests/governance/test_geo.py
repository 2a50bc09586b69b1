from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from governance.geo import bounding_box, distance_m, point_in_polygon, point_in_ring, polygon_rings
from governance.selectors import grid_for_point
from tests.governance.factories import GridFactory, square

# An L-shaped ring (concave), lng/lat: the notch at the top right is outside.
L_SHAPE = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4), (0, 0)]


@pytest.mark.parametrize(
    "lng, lat, inside",
    [
        (1, 1, True),
        (3, 1, True),
        (1, 3, True),
        (3, 3, False),  # in the notch
        (5, 1, False),
        (-0.5, 2, False),
        (1, -1, False),
        (1.999, 3.999, True),
    ],
)
def test_ray_casting_in_a_concave_ring(lng, lat, inside):
    assert point_in_ring(lng, lat, L_SHAPE) is inside


def test_a_hole_is_outside():
    outer = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(4, 4), (6, 4), (6, 6), (4, 6)]
    assert point_in_polygon(5, 5, [outer, hole]) is False
    assert point_in_polygon(2, 2, [outer, hole]) is True


@pytest.mark.parametrize(
    "area",
    [
        None,
        {"type": "Point", "coordinates": [120, 30]},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [[[120, 30], [121, 30]]]},
        {"type": "Polygon", "coordinates": [[[200, 30], [121, 30], [121, 31]]]},
        {"type": "Polygon", "coordinates": [[["a", 30], [121, 30], [121, 31]]]},
    ],
)
def test_bad_polygons_are_refused(area):
    with pytest.raises(ValidationError):
        polygon_rings(area)


def test_bounding_box_rounds_outwards():
    rings = polygon_rings(square(30.283, 120.095, half=0.0010004))
    south, west, north, east = bounding_box(rings)
    assert (south, west, north, east) == (
        Decimal("30.281999"),
        Decimal("120.093999"),
        Decimal("30.284001"),
        Decimal("120.096001"),
    )


def test_distance_of_fifty_metres():
    # 0.00045 degrees of latitude is about 50 m.
    assert 49 < distance_m(30.283, 120.095, 30.28345, 120.095) < 51


@pytest.mark.django_db
def test_grid_is_found_by_point_in_polygon():
    jiangcun = GridFactory(name="蒋村", area=square(30.283, 120.095))
    GridFactory(name="翠苑", area=square(30.290, 120.130))
    inactive = GridFactory(name="旧网格", area=square(30.300, 120.085), is_active=False)
    assert grid_for_point(lat=30.2831, lng=120.0951) == jiangcun
    assert grid_for_point(lat=30.2900, lng=120.1300).name == "翠苑"
    assert grid_for_point(lat=30.3000, lng=120.0850) is None  # only an inactive grid there
    assert grid_for_point(lat=30.2500, lng=120.0600) is None
    assert inactive.min_lat == Decimal("30.299000")


@pytest.mark.django_db
def test_inside_the_bounding_box_but_outside_the_polygon():
    triangle = {
        "type": "Polygon",
        "coordinates": [[[120.0, 30.0], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]],
    }
    grid = GridFactory(area=triangle)
    assert grid_for_point(lat=30.001, lng=120.001) == grid
    assert grid_for_point(lat=30.009, lng=120.009) is None  # the far corner of the box
