import os
from pathlib import Path

import pytest
from django.conf import settings

from tests import template_db

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Empty the tables and restore the snapshot of the migrated database before a browser test.

    Earlier transactional tests of the session emptied the tables and let post_migrate write the
    content types and permissions again under new ids, which would collide with the snapshot.
    This runs before any fixture (pytest-django's live server sets up the database in an autouse
    fixture of its own), and only once this process's test database exists.
    """
    if not template_db.test_database_ready:
        return
    from django.core.management import call_command
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        # Restored here, not by pytest-django's serialized rollback: Django keeps the snapshot on
        # the connection object, and once Playwright's sync API runs, code sees new ones.
        connection.creation.deserialize_db_from_string(template_db.snapshot)


class CspWatchingBrowser:
    """The browser, whose every context reports Content-Security-Policy violations to `violations`.

    Chromium logs each refusal to the console; the `securitypolicyviolation` event is caught too,
    so a refused inline style, script or image anywhere in a journey fails the test."""

    def __init__(self, browser) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.on("console", self._on_console)
        context.expose_function("__cspViolation", self._on_violation)
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI + ' on ' + e.documentURI); });"
        )
        return context

    def _on_violation(self, text: str) -> None:
        self.violations.append(text)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser test ends with no CSP violation in any page it opened."""
    if "browser" not in request.fixturenames:
        yield
        return
    watching = request.getfixturevalue("browser")
    watching.violations.clear()
    yield
    assert watching.violations == []


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between browser steps are still plain synchronous calls. Set only once the
    # browser starts, so the tests before it keep Django's async-safety check.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = settings.CHROMIUM_PATH if Path(settings.CHROMIUM_PATH).exists() else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield CspWatchingBrowser(browser)
        browser.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (390x844) in Chinese."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{name}.png"), full_page=True)

    return take
