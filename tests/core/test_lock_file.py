"""requirements.lock pins the exact versions CI tested, and keeps up with pyproject.toml.

`make install` installs from the lock (with its hashes), so the suite runs on exactly these
versions; after a change of the ranges in pyproject.toml, `make lock` resolves again.
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from django.conf import settings
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]+))?")


def lock_pins() -> dict[str, tuple[str, str]]:
    """{canonical name: (version, marker or "")} of every line of requirements.lock."""
    pins = {}
    for line in (Path(settings.BASE_DIR) / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            marker = (match["marker"] or "").strip()
            pins[canonicalize_name(match["name"])] = (match["version"], marker)
    return pins


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["dev"]]


def test_every_declared_dependency_is_pinned_inside_its_range():
    pins = lock_pins()
    outside = {
        str(requirement): pins.get(canonicalize_name(requirement.name), ("missing", ""))[0]
        for requirement in declared_requirements()
        if pins.get(canonicalize_name(requirement.name), ("missing", ""))[0] not in requirement.specifier
    }
    assert outside == {}, "pyproject.toml changed without `make lock`"


def test_every_pin_has_hashes():
    text = (Path(settings.BASE_DIR) / "requirements.lock").read_text()
    blocks = [block for block in re.split(r"\n(?=[A-Za-z0-9])", text) if PIN.match(block)]
    assert blocks, "the lock holds no pins"
    assert [block.split()[0] for block in blocks if "--hash=sha256:" not in block] == []


def test_the_running_environment_is_the_locked_one():
    """What this suite runs on is what the lock says, for every pin whose marker applies here."""
    differing = {}
    for name, (version, marker) in lock_pins().items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            differing[name] = (version, installed)
    assert differing == {}, "install with `make install` (pip install -r requirements.lock)"
