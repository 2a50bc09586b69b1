import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_home_explains_the_four_areas_in_chinese(client):
    html = client.get("/").content.decode()
    for heading in ("学习", "学费资助", "服务", "网格"):
        assert f"<h2>{heading}</h2>" in html
    assert '<html lang="zh-CN">' in html


def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "<h2>Tuition subsidy</h2>" in html


def test_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "没有找到这个页面" in response.content.decode()


@override_settings(DEBUG=False)
def test_friendly_500(client, monkeypatch):
    import config.home

    def broken(request):
        raise RuntimeError("boom")

    # The home page view lives in config (it gathers every app's "things for you").
    monkeypatch.setattr(config.home, "render", lambda *a, **k: broken(None))
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "出了点问题" in response.content.decode()


def test_no_asset_comes_from_another_host(client):
    import re

    html = client.get("/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(not url.startswith(("http:", "https:", "//")) for url in urls), urls
