"""Issue 19, "every control reachable and usable by keyboard; focus visible": key worker pages walked
with the Tab key alone, then a form filled in and sent with the keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.test_offline import logged_in_context
from tests.e2e.test_worker_signup import code_from_sms
from tests.factories import UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory, category

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}

# Every control a person can use, numbered, and whether it is on screen to be used.
NUMBER_CONTROLS = """() => {
  const all = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')];
  const usable = all.filter(e => !e.disabled && !e.closest('[hidden], [inert]') && e.getClientRects().length
    && getComputedStyle(e).visibility !== 'hidden');
  usable.forEach((e, i) => e.dataset.kb = String(i));
  // A group of radio buttons is one stop of the Tab key (the arrow keys move within it): each
  // button is numbered as its group.
  const groups = {};
  usable.forEach(e => { if (e.type === 'radio' && e.name) {
    groups[e.name] = groups[e.name] || e.dataset.kb; e.dataset.kb = groups[e.name]; } });
  return usable.map(e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '')
    + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30));
}"""

# The focused control, and whether it shows it: an outline or a box shadow on itself, or (a control
# drawn by its label, like a visually hidden file input or a card-like radio) on the label.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e.dataset.kb === undefined) return null;
  const shows = el => { if (!el) return false; const s = getComputedStyle(el);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; };
  return {kb: e.dataset.kb, visible: e.matches(':focus-visible') && (shows(e) || shows(e.closest('label'))
    || [...(e.labels || [])].some(shows))};
}"""


def tab_through(page) -> None:
    """Tab from the top of the page to its end: every control is reached, each shows its focus."""
    controls = page.evaluate(NUMBER_CONTROLS)
    assert controls, page.url
    reached: dict[str, bool] = {}
    page.locator("body").focus()
    for _ in range(len(controls) + 15):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["kb"] in reached:
            break
        reached[focused["kb"]] = focused["visible"]
    numbers = page.evaluate("[...document.querySelectorAll('[data-kb]')].map(e => e.dataset.kb)")
    missed = [controls[i] for i, number in enumerate(numbers) if number not in reached]
    unseen = [controls[int(i)] for i, visible in reached.items() if not visible]
    assert (missed, unseen) == ([], []), page.url


def test_key_worker_pages_by_keyboard_alone(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MAP_TILE_URL = live_server.url + "/tiles/{z}/{x}/{y}.png"
    category("road")
    worker = GridMemberFactory(grid=GridFactory(), user=UserFactory(real_name="张伟")).user
    context = logged_in_context(browser, live_server, worker, **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    for path in ["/", "/grid/report/", "/academy/apply/", "/services/requests/new/"]:
        page.goto(live_server.url + path)
        tab_through(page)
    context.close()


def test_sms_login_by_keyboard_only(browser, live_server, celery_worker_thread):
    UserFactory(phone="+8613800007777", real_name="王芳")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/code/")
    tab_through(page)
    page.locator("body").focus()
    # Tab to the number, type it, Enter: the code page.
    while page.evaluate("document.activeElement.name") != "phone":
        page.keyboard.press("Tab")
    page.keyboard.type("138 0000 7777")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    tab_through(page)
    # The code page is a worker page too: axe-core finds nothing on it.
    found = axe_violations(page)
    assert found == [], describe({"confirm login code": found})
    page.locator("body").focus()
    while page.evaluate("document.activeElement.name") != "code":
        page.keyboard.press("Tab")
    page.keyboard.type(code_from_sms("+8613800007777"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/")
    page.goto(live_server.url + "/me/profile/")
    expect(page).to_have_url(live_server.url + "/me/profile/")  # logged in: no login page
    context.close()
