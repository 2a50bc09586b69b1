"""The Content-Security-Policy in Chromium: injected inline code does not run, and the watcher sees it."""


def test_an_injected_inline_script_and_style_are_refused(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/services/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
            const style = document.createElement("style");
            style.textContent = "body { background: red }";
            document.head.appendChild(style);
        }"""
    )
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.injected === undefined")
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    page.wait_for_timeout(200)  # the violation events reach Python
    seen = list(browser.violations)
    context.close()
    assert any(text.startswith("script-src-elem inline on ") for text in seen), seen
    assert any(text.startswith("style-src-elem inline on ") for text in seen), seen
    browser.violations.clear()  # expected here; every other browser test must end with none


def test_the_api_docs_render_under_the_policy(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock-summary-path")  # Swagger UI drew the operations from our schema
    assert page.locator(".opblock-summary-path").count() > 10
    context.close()


def test_admin_pages_with_scripts_and_maps_run_under_the_policy(browser, live_server, settings):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import StaffFactory
    from tests.services.factories import PointFactory

    settings.MAP_TILE_URL = live_server.url + "/static/no-tiles/{z}/{x}/{y}.png"  # offline: no tiles
    point = PointFactory()
    client = Client()
    client.force_login(StaffFactory(is_superuser=True))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    for url in (
        reverse("admin:index"),
        reverse("admin:services_servicepoint_change", args=[point.pk]),  # Leaflet point picker
        reverse("admin:services_servicerequest_changelist"),
        reverse("admin:governance_report_changelist"),
        reverse("admin:events_event_add"),  # date and time widgets
        reverse("admin:accounts_consent_changelist"),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
    assert page.locator("#changelist").count() == 1
    context.close()
