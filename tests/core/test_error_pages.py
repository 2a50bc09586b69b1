"""The error pages render on their own (no context processors), in the reader's language."""

from django.test import RequestFactory
from django.utils import translation

from core import outage, views


def test_the_500_page_renders_without_a_request_context():
    response = views.server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="zh-CN">' in page
    assert "<h1>我们这边出了点问题</h1>" in page
    assert '<a class="button primary" href="/">' in page


def test_the_503_page_says_nothing_was_saved_in_english_too():
    with translation.override("en"):
        response = outage.unavailable_response(RequestFactory().post("/accounts/login/code/"))
    page = response.content.decode()
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert '<html lang="en">' in page
    assert "<title>Briefly unavailable</title>" in page
    assert "<p>This service is briefly unavailable. Please try again in a minute.</p>" in page
    assert "Nothing you sent was saved and no SMS was sent." in page
