"""Issue 19: admin is entirely in Chinese when the staff member reads Chinese.

The demo data is seeded; a superuser reading zh-hans opens every registered admin's change list,
add page and the change page of a few of its rows (the first of each status, so decision forms of
every state show), and the visible text of each page (no scripts, styles or typed values) may hold
no ASCII word but the few codes and names allowed below.
"""

import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accounts import roles
from accounts.models import User

pytestmark = pytest.mark.django_db

# Words that stay as they are in a Chinese page, each with why.
ALLOWED = {
    "Django",  # the product's name in Django's own page title and footer
    "OAuth",  # a standard's name (OAuth 应用)
    "WGS-84",  # the coordinate system's name (经度（WGS-84）)
    "Open311",  # a standard's name (Open311 的 service_code)
    "CORS",  # a standard's name, in an OAuth application's help text
    "CIMD",  # a standard's name (RFC 7591 client metadata), in an OAuth application's help text
    "OIDC",  # OpenID Connect's short name, in an algorithm choice
    "OpenID",  # a standard's name
    "RFC",  # "RFC 7591"
    "RSA",  # algorithm names in an OAuth choice
    "HMAC",
    "SHA-2",
    "TOTP",  # the authenticator standard
    "WebAuthn",  # the security-key standard
    "JSON",  # the format staff type in two fields
    "GeoJSON",  # the format of a grid's area
    "welcome",  # the key of the welcome message's kind (the other keys have an underscore: codes)
    "Control",  # key names in Django's own help text for multiple choice (按住 Control 键…)
    "Command",
    "Mac",
    # Open311's datatype values, typed into a category's JSON (string、number、…、multivaluelist).
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
}
# A code: letters with digits (FW000001, Y1, A12), all capitals (HZ), a slug (demo-uni-a), a key
# (enrolment_admitted, the kind of a message or a points rule) or a dotted audit action
# (subsidy.approve) — each is what staff search and filter by, never a sentence.
CODE = re.compile(
    r"^(?:[A-Za-z]*\d[\w-]*|[A-Z]{1,12}|[a-z0-9]+(?:-[a-z0-9]+)+|[a-z0-9]+(?:_[a-z0-9]+)+"
    r"|[a-z0-9_]+(?:\.[a-z0-9_]+)+(?:#\d+)?)$"
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.#'-]*")
# A JSON example in a help text, or a JSON value shown read-only (the data of an audit row).
JSON = re.compile(r"[\[{].*[\]}]")
# The start of a key shown before an ellipsis (vHDdADJV…, xXBIzFt-…: URL-safe characters), a
# masked value (po*****).
SHOWN_IN_PART = re.compile(r"[A-Za-z0-9_-]{4,}…|\w*\*{4,}")
# Columns of what staff typed in English for the English pages (name_en …) and of codes.
SKIPPED_CELLS = re.compile(r"\bfield-(?:\w+_en|code|client_id|prefix)\b")


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside scripts, styles, typed values (textarea) and
    the columns above, and the labels of buttons."""

    HIDDEN = {"script", "style", "textarea", "template", "noscript", "title", "code"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []  # the open tags of the part skipped, outermost first
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping.append(tag)
            return
        if tag in self.HIDDEN or SKIPPED_CELLS.search(attributes.get("class") or ""):
            self.skipping = [tag]
            return
        # A button's label is visible; a typed value is not the page's wording.
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"] or "")

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[0]:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    words = []
    for part in parser.parts:
        # A staff group's own name, as stored ("审核员 checker"), titles its change page; every
        # list and choice shows the reader's half (accounts.roles.group_label).
        for name in roles.STAFF_GROUPS:
            part = part.replace(name, " ")
        for word in WORD.findall(SHOWN_IN_PART.sub(" ", JSON.sub(" ", part))):
            word = word.strip(".'-")
            if word and word not in ALLOWED and not CODE.match(word) and not _is_a_value(word):
                words.append(word)
    return words


# Values of the demo data and of the database shown as read-only text (a web address, an e-mail).
def _is_a_value(word: str) -> bool:
    return "@" in word or word.startswith(("http", "www.")) or word.endswith((".cn", ".com", ".org"))


def pages(client) -> list[str]:
    urls = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        request = _request_for(client)
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        rows = model_admin.get_queryset(request).order_by("pk")
        status = "status" if any(f.name == "status" for f in model._meta.fields) else None
        picked = []
        if status:
            seen = set()
            for pk, value in rows.values_list("pk", status)[:500]:
                if value not in seen:
                    seen.add(value)
                    picked.append(pk)
        else:
            picked = list(rows.values_list("pk", flat=True)[:2])
        urls += [reverse("admin:{}_{}_change".format(*info), args=[pk]) for pk in picked]
    return urls


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(phone="+8613900000000")
    return request


@pytest.mark.slow(reason="seeds the whole demo and renders some 250 admin pages and every CSV")
def test_every_admin_page_and_csv_reads_in_chinese(client):
    call_command("seed_demo", stdout=io.StringIO())
    superuser = User.objects.get(phone="+8613900000000")
    client.force_login(superuser)
    client.cookies["django_language"] = "zh-hans"
    leaks: dict[str, list[str]] = {}
    for url in ["/admin/", *pages(client)]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code in (302, 403):
            continue
        assert response.status_code == 200, url
        found = english_words(response.content.decode())
        if found:
            leaks[url] = sorted(set(found))

    for url, header in csv_headers(client):
        found = english_words(f"<p>{header}</p>")
        if found:
            leaks[url] = sorted(set(found))
    assert leaks == {}


def csv_headers(client) -> list[tuple[str, str]]:
    """The header line of every CSV admin offers: its export pages and its export actions."""
    request = _request_for(client)
    headers = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        exports = [u.name for u in model_admin.get_urls() if u.name and u.name.endswith("_export")]
        responses = [(name, client.get(reverse(f"admin:{name}"))) for name in exports]
        for action, (_func, _name, description) in model_admin.get_actions(request).items():
            if "CSV" not in str(description):
                continue
            ids = [str(pk) for pk in model_admin.get_queryset(request).values_list("pk", flat=True)[:50]]
            posted = client.post(changelist, {"action": action, "_selected_action": ids})
            responses.append((f"{changelist} {action}", posted))
        for name, response in responses:
            assert response.status_code == 200, name
            body = b"".join(response.streaming_content) if response.streaming else response.content
            headers.append((name, body.decode("utf-8-sig").splitlines()[0]))
    assert len(headers) >= 8
    return headers
