"""Issue 19, "accessible": axe-core finds nothing on any worker page or the main admin pages, in
Chinese and in English.

The demo data is seeded, every page of tests/e2e/worker_pages.py is opened as the demo worker it
names (worker pages on a 390 px phone, admin at 1280 px), axe-core (tests/e2e/axe.py, never served
to users) runs on it once its scripts ran, and the test prints each page's total. A failure lists
each rule with the nodes that broke it.
"""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import loader
from django.test import Client
from django.utils import translation

from accounts.models import User
from tests.e2e import worker_pages
from tests.e2e.axe import axe_violations, describe

LANGUAGES = ["zh-hans", "en"]
# What <html lang> says: zh-CN in the portal's pages (templates/base.html), zh-hans in Django admin's.
HTML_LANG = {"zh-hans": {"zh-CN", "zh-hans"}, "en": {"en"}}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
TOTALS = Path(settings.BASE_DIR) / "var" / "a11y"


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    worker_pages.prepare()


class Browsing:
    """One browser context per (person, language), logged in as that demo person."""

    def __init__(self, browser, live_server, options: dict) -> None:
        self.browser, self.live_server, self.options = browser, live_server, options
        self.pages: dict[tuple[str | None, str], object] = {}

    def page(self, phone: str | None, language: str):
        key = (phone, language)
        if key not in self.pages:
            # No service worker: it would answer some requests itself (page.route never sees
            # those), and its offline copies are tests/e2e/test_offline.py's. The page's CSP is set
            # aside: axe-core writes style attributes while it measures (the CSP would refuse them
            # and the refusals are axe's, not the portal's); every other browser test and
            # tests/e2e/test_csp.py keep the CSP.
            context = self.browser.new_context(**self.options, service_workers="block", bypass_csp=True)
            cookies = [
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.live_server.url}
            ]
            if phone:
                client = Client()
                client.force_login(User.objects.get(phone=phone))  # staff: with the second factor
                value = client.cookies[settings.SESSION_COOKIE_NAME].value
                cookies.append(
                    {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": self.live_server.url}
                )
            context.add_cookies(cookies)
            page = context.new_page()
            page.set_default_timeout(15_000)
            self.pages[key] = page
        return self.pages[key]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def opened(page, live_server, entry) -> str:
    """Opens the page; fails unless it is the page asked for (no redirect, the status it should have)."""
    path = entry.path()
    response = page.goto(live_server.url + path)
    assert response is not None, path
    assert (page.url, response.status) == (live_server.url + path, 404 if entry.name == "404" else 200), entry
    return path


def check(browser, live_server, entries, options, name: str) -> dict[str, int]:
    browsing = Browsing(browser, live_server, options)
    totals: dict[str, int] = {}
    found: dict[str, list[dict]] = {}
    try:
        for language in LANGUAGES:
            for entry in entries:
                page = browsing.page(entry.phone, language)
                path = opened(page, live_server, entry)
                assert page.locator("html").get_attribute("lang") in HTML_LANG[language], path
                violations = axe_violations(page)
                where = f"{language} {entry.name} {entry.phone or 'visitor'} {path}"
                totals[where] = sum(len(v["nodes"]) for v in violations)
                if violations:
                    found[where] = violations
            for where, html in error_pages(language).items() if name == "workers" else []:
                page = browsing.page(None, language)
                violations = error_page_violations(page, live_server, where, html)
                totals[f"{language} {where}"] = sum(len(v["nodes"]) for v in violations)
                if violations:
                    found[f"{language} {where}"] = violations
    finally:
        browsing.close()
    TOTALS.mkdir(parents=True, exist_ok=True)
    (TOTALS / f"axe-{name}.json").write_text(json.dumps(totals, ensure_ascii=False, indent=1))
    print("\n".join(f"{count:4d}  {where}" for where, count in totals.items()))
    assert found == {}, "\n" + describe(found)
    return totals


def error_pages(language: str) -> dict[str, str]:
    """The pages that stand alone when something failed: rendered as core.views, core.outage and
    core.validation render them, then served at an address of the live server (so their
    stylesheet loads as it would)."""
    with translation.override(language):
        return {
            "error-500": loader.render_to_string("errors/500.html", {"service_desk_phone": "12345"}),
            "error-503": loader.render_to_string("errors/503.html", {"message": "服务暂时不可用"}),
            "error-400": loader.render_to_string("errors/400.html", {"message": "请求无法读取"}),
        }


def error_page_violations(page, live_server, where: str, html: str) -> list[dict]:
    url = f"{live_server.url}/__a11y__/{where}"
    page.route(
        url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
    )
    page.goto(url)
    violations = axe_violations(page)
    page.unroute(url)
    return violations


def test_every_worker_url_name_is_checked_or_said_why_not():
    assert worker_pages.uncovered_worker_url_names() == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow(reason="seeds the demo and runs axe-core on some 80 worker pages in two languages")
@pytest.mark.timeout(900)
def test_worker_pages_have_no_accessibility_violations(browser, live_server):
    seed()
    totals = check(browser, live_server, worker_pages.PAGES, PHONE, "workers")
    assert len(totals) == 2 * (len(worker_pages.PAGES) + 3)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow(reason="seeds the demo and runs axe-core on some 25 admin pages in two languages")
@pytest.mark.timeout(600)
def test_main_admin_pages_have_no_accessibility_violations(browser, live_server):
    seed()
    totals = check(browser, live_server, worker_pages.ADMIN_PAGES, DESKTOP, "admin")
    assert len(totals) == 2 * len(worker_pages.ADMIN_PAGES)
