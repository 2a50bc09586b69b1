"""The Content-Security-Policy (django-csp) on every HTML page, and no inline script or style to need more."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from config.settings import tile_origin
from tests.factories import StaffFactory, WorkerProfileFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "blob:", "data:", "https://tile.openstreetmap.org"],
    "font-src": ["'self'"],
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# What a strict policy refuses in markup: inline scripts, inline styles and handlers.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']|javascript:", re.IGNORECASE)


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def inline_code(html: str) -> list[str]:
    return [
        match.group(0)
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER)
        for match in pattern.finditer(html)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/services/",
        "/academy/",
        "/accounts/login/code/",
        "/admin/login/",
        "/api/docs/",
        "/no-such-page/",
    ],
)
def test_html_pages_carry_the_policy(client, url):
    response = client.get(url)
    assert response["Content-Type"].startswith("text/html")
    assert policy_of(response) == POLICY


@pytest.mark.django_db
def test_worker_pages_have_no_inline_script_or_style(client):
    client.force_login(WorkerProfileFactory().user)
    for name in ("home", "me", "profile_edit", "privacy", "services:index", "services:requests",
                 "services:request_new", "academy:programmes", "academy:applications", "subsidies:mine",
                 "governance:points", "deliberation:station_list", "events:list", "rewards:store", "inbox"):  # fmt: skip
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert policy_of(response) == POLICY
        assert inline_code(response.content.decode()) == [], name


@pytest.mark.django_db
def test_every_admin_list_and_add_page_has_no_inline_script_or_style(client):
    client.force_login(StaffFactory(is_superuser=True))
    pages = 0
    client.raise_request_exception = False  # a broken add page is another issue's; skip it here
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        for url in (
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_add".format(*info)),
        ):
            response = client.get(url)
            if response.status_code != 200:
                continue  # an add page the admin refuses (workers apply in the portal)
            pages += 1
            assert inline_code(response.content.decode()) == [], url
    assert pages > 40


def test_templates_have_no_inline_script_or_style():
    offenders = [
        f"{path.relative_to(ROOT)}: {found}"
        for directory in TEMPLATE_DIRS
        for path in directory.rglob("*.html")
        for found in inline_code(path.read_text())
    ]
    assert offenders == []


def test_python_made_html_has_no_inline_style():
    offenders = [
        str(path.relative_to(ROOT))
        for app in (
            "core",
            "accounts",
            "academy",
            "subsidies",
            "services",
            "governance",
            "stations",
            "events",
            "volunteering",
            "rewards",
            "notifications",
            "config",
        )
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"""style=\\?["']""", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.cn/{z}/{x}/{y}.png?key=1", "https://*.tiles.example.cn"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("/tiles/{z}/{x}/{y}.png", None),  # our own host: 'self' covers it
        ("javascript:alert(1)", None),
    ],
)
def test_the_tile_origin(url, origin):
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "tile_url, img_src",
    [
        (
            "https://{s}.tiles.example.cn/{z}/{x}/{y}.png",
            ["'self'", "blob:", "data:", "https://*.tiles.example.cn"],
        ),
        ("", ["'self'", "blob:", "data:"]),  # no map: no tile host
    ],
)
def test_img_src_follows_the_configured_tile_server(tile_url, img_src):
    code = (
        "import json; from config import settings; "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    env = {**os.environ, "MAP_TILE_URL": tile_url}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == img_src


def test_the_policy_is_the_settings_policy():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert {name: list(values) for name, values in directives.items()} == POLICY
