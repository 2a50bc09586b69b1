"""The survey's GeoJSON import: a dry run reports, an import applies all or nothing."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from delivery.api import feature_collection
from delivery.imports import geojson_import
from delivery.models import Building, Gate, Site
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:delivery_site_import")
SITE_ID = "6f1c1d7e-3b7a-4c56-9d57-0d3c2b9a1e01"


@pytest.fixture
def staff(db):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    return user


def survey(*extra) -> bytes:
    features = [
        {
            "type": "Feature",
            "id": SITE_ID,
            "geometry": {"type": "Point", "coordinates": [120.0911, 30.2818]},
            "properties": {
                "feature": "site",
                "name": "西溪诚园",
                "kind": "compound",
                "address": "文二西路768号",
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.0925, 30.2818]},
            "properties": {"feature": "gate", "site": SITE_ID, "name": "东门", "ebike": True},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.0915, 30.2822]},
            "properties": {"feature": "building", "site": SITE_ID, "name": "3幢", "number": "3幢"},
        },
        *extra,
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def test_a_dry_run_reports_what_would_change_and_changes_nothing(client, staff):
    client.force_login(staff)
    response = client.post(URL, {"file": SimpleUploadedFile("survey.geojson", survey()), "dry_run": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "试运行：没有做任何改动。导入将做出以下改动：" in body
    assert "小区：新增 1，修改 0，不变 0" in body
    assert "门：新增 1，修改 0，不变 0" in body
    assert (Site.objects.count(), Gate.objects.count(), Building.objects.count()) == (0, 0, 0)


def test_the_import_applies_and_a_second_run_changes_nothing(staff):
    report = geojson_import(data=survey(), acting_user=staff, dry_run=False)
    assert report.errors == []
    site = Site.objects.get(uuid=SITE_ID)
    assert (site.name, site.latitude, site.longitude) == ("西溪诚园", 30.2818, 120.0911)
    assert Gate.objects.get(site=site).ebike is True
    assert Building.objects.get(site=site).number == "3"
    again = geojson_import(data=survey(), acting_user=staff, dry_run=False)
    assert (dict(again.created), sum(again.updated.values())) == ({}, 0)
    assert dict(again.unchanged) == {"site": 1, "gate": 1, "building": 1}
    assert Gate.objects.count() == 1  # without an id, a part is known by its name in its site


def test_the_export_imports_back_unchanged(staff, site):
    exported = "".join(feature_collection()).encode()
    report = geojson_import(data=exported, acting_user=staff, dry_run=False)
    assert report.errors == []
    assert sum(report.created.values()) == 0 and sum(report.updated.values()) == 0


@pytest.mark.parametrize(
    "bad, error",
    [
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.28, 190.0]},
             "properties": {"feature": "gate", "site": SITE_ID, "name": "北门"}},
            "第 4 个要素：几何必须是 Point，坐标为范围内的 [经度, 纬度]。",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[120.09, 30.28], [120.1, 30.28], [120.1, 30.29]]]},
             "properties": {"feature": "site_outline", "site": SITE_ID}},
            "第 4 个要素：边界必须是闭合的 Polygon，至少四个范围内的 [经度, 纬度] 位置。",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.09, 30.28]},
             "properties": {"feature": "building", "site": SITE_ID, "name": "三号半"}},
            "第 4 个要素：“三号半”不是能识别的楼号，请写成 3、3幢、12号楼 或 3幢2单元。",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.09, 30.28]},
             "properties": {"feature": "gate", "site": "00000000-0000-0000-0000-000000000000", "name": "西门"}},
            "第 4 个要素：它所属的小区 00000000-0000-0000-0000-000000000000 既不在地图上，也不在文件里。",
        ),
    ],
)  # fmt: skip
def test_a_broken_feature_refuses_the_whole_file(client, staff, bad, error):
    client.force_login(staff)
    upload = SimpleUploadedFile("survey.geojson", survey(bad))
    response = client.post(URL, {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有导入任何内容。请修改文件后重试：" in body
    assert error in body
    assert (Site.objects.count(), Gate.objects.count(), Building.objects.count()) == (0, 0, 0)


CSV = (
    "feature,id,site,name,latitude,longitude,kind,address,number\n"
    f"site,{SITE_ID},,西溪诚园,30.2818,120.0911,compound,文二西路768号,\n"
    f"building,,{SITE_ID},5幢,30.2820,120.0913,,,5\n"
)


def test_the_survey_csv_imports_like_geojson(staff):
    dry = geojson_import(data=CSV.encode(), acting_user=staff, dry_run=True)
    assert (dry.errors, dict(dry.created)) == ([], {"site": 1, "building": 1})
    assert not Site.objects.exists()
    report = geojson_import(data=CSV.encode("utf-8-sig"), acting_user=staff, dry_run=False)
    assert report.errors == []
    assert Building.objects.get(site__uuid=SITE_ID).number == "5"


def test_a_csv_with_a_bad_number_or_header_is_refused_whole(staff):
    bad = CSV + f"gate,,{SITE_ID},东门,北纬30度,120.09,,,\n"
    report = geojson_import(data=bad.encode(), acting_user=staff, dry_run=False)
    assert report.errors == ["第 4 行：纬度和经度须为十进制度数，例如 30.2818 和 120.0911。"]
    assert not Site.objects.exists()
    report = geojson_import(data=b"name,lat\n", acting_user=staff, dry_run=False)
    assert report.errors == [
        "CSV 文件第一行必须是列名：feature, id, site, name, latitude, longitude, kind, address, number。"
    ]
    assert geojson_import(data="名称".encode("gbk"), acting_user=staff).errors == [
        "文件不是 UTF-8 文本，请另存为 CSV UTF-8 后重试。"
    ]


def test_a_file_that_is_not_geojson_is_refused(staff):
    report = geojson_import(data=b"{name: 1}", acting_user=staff, dry_run=False)
    assert report.errors == [
        "文件不是 GeoJSON（不是 JSON）：Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    ]
    report = geojson_import(data=b'{"type": "Feature"}', acting_user=staff, dry_run=False)
    assert report.errors == ["文件必须是一个 GeoJSON FeatureCollection。"]


def test_staff_without_the_role_cannot_import(client):
    client.force_login(StaffFactory())
    response = client.post(URL, {"file": SimpleUploadedFile("survey.geojson", survey())})
    assert response.status_code == 403
    assert not Site.objects.exists()
