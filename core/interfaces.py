"""Each interface's answer to errors that come before its views, registered once per path prefix.

The portal speaks several interfaces, each with its own error shape: pages (a translated error
page), `/api/` (`{"message", "extra"}`, core.api), `/oauth/` (RFC 6749), OneRoster (imsx_StatusInfo)
and Open311 (its error list). Two middlewares answer before any view runs: core.outage (503 while
Redis is down) and core.validation (400 for input no view may read). Both ask `interface_for(path)`
here, so an interface declares its shapes in one place (its app's ready()), and this ground layer
knows no app above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from core.validation import BadInput


@dataclass(frozen=True)
class Interface:
    path_prefix: str
    # 503 while a service it needs is down (core.outage adds Retry-After).
    unavailable: Callable[[HttpRequest], HttpResponse]
    # 400 for input refused before the view (core.validation).
    bad_input: Callable[[HttpRequest, BadInput], HttpResponse]
    # Refuse bad form bodies before the view too (machine interfaces). Pages leave their form
    # bodies to their forms, which keep what the person typed beside the error.
    check_form_body: bool = True


_interfaces: list[Interface] = []
_pages: Interface | None = None


def register(interface: Interface) -> None:
    """Declare an interface (the longest matching prefix wins; registering a prefix again replaces it)."""
    _interfaces[:] = [known for known in _interfaces if known.path_prefix != interface.path_prefix]
    _interfaces.append(interface)
    _interfaces.sort(key=lambda known: -len(known.path_prefix))


def register_pages(interface: Interface) -> None:
    """The interface of every path no other interface claims: the worker pages and admin."""
    global _pages
    _pages = interface


def interface_for(path: str) -> Interface:
    for interface in _interfaces:
        if path.startswith(interface.path_prefix):
            return interface
    assert _pages is not None, "core.apps registers the pages interface at start-up"
    return _pages
