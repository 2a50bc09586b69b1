"""One declaration per interface of its error shapes, asked by the outage and input-guard middlewares."""

from django.test import RequestFactory

from core import interfaces
from core.validation import BadInput


def test_each_interface_is_declared_once_with_both_shapes():
    assert sorted(interface.path_prefix for interface in interfaces._interfaces) == [
        "/api/",
        "/ims/oneroster/",
        "/oauth/",
        "/open311/",
    ]
    assert interfaces.interface_for("/services/near/").path_prefix == ""  # pages: everything else
    assert interfaces.interface_for("/admin/governance/report/").check_form_body is False


def test_the_longest_prefix_wins_and_a_prefix_declared_again_replaces_the_first(monkeypatch):
    monkeypatch.setattr(interfaces, "_interfaces", list(interfaces._interfaces))
    api = interfaces.interface_for("/api/hsds/services")
    hsds = interfaces.Interface("/api/hsds/", unavailable=api.unavailable, bad_input=api.bad_input)
    interfaces.register(hsds)
    interfaces.register(hsds)

    assert interfaces.interface_for("/api/hsds/services") is hsds
    assert interfaces.interface_for("/api/v1/enrolments/") is api
    assert [i.path_prefix for i in interfaces._interfaces].count("/api/hsds/") == 1


def test_both_middlewares_answer_in_the_shape_of_the_path_asked():
    request = RequestFactory().get("/open311/v2/requests.xml")
    interface = interfaces.interface_for(request.path)
    refused = interface.bad_input(request, BadInput("q", "bad"))
    down = interface.unavailable(request)
    assert (refused.status_code, refused["Content-Type"]) == (400, "text/xml; charset=utf-8")
    assert (down.status_code, down["Content-Type"]) == (503, "text/xml; charset=utf-8")
