"""Freshness checks run by `make test`: committed artefacts equal freshly generated ones.

python -m config.checks schema        # docs/openapi.yaml == manage.py spectacular
python -m config.checks translations  # locale/*/django.mo == msgfmt of django.po
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SCHEMA_FILE = BASE_DIR / "docs" / "openapi.yaml"


def check_schema() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "openapi.yaml"
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "spectacular",
                "--file",
                str(fresh),
                "--validate",
                "--fail-on-warn",
            ],
            cwd=BASE_DIR,
            check=True,
        )
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_bytes() != fresh.read_bytes():
            print(f"{SCHEMA_FILE.relative_to(BASE_DIR)} is stale: run `make schema` and commit it.")
            return 1
    print("OpenAPI schema is current.")
    return 0


def check_translations() -> int:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        print("msgfmt not found (install gettext): compiled translations not checked here; CI checks them.")
        return 0
    stale = []
    for po_file in catalogues(BASE_DIR, "*"):
        mo_file = po_file.with_suffix(".mo")
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "django.mo"
            subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po_file)], check=True)
            if not mo_file.exists() or mo_file.read_bytes() != fresh.read_bytes():
                stale.append(str(mo_file.relative_to(BASE_DIR)))
    if stale:
        print("Stale compiled translations (run `make messages` and commit): " + ", ".join(stale))
        return 1
    print("Compiled translations are current.")
    return check_catalogue_complete(msgfmt)


def catalogues(root: Path, language: str) -> list[Path]:
    """The project's catalogue and the apps' own (an app with a locale/ keeps its strings there)."""
    pattern = f"locale/{language}/LC_MESSAGES/django.po"
    return sorted([*root.glob(pattern), *root.glob(f"*/{pattern}")])


def _msgids(po_text: str) -> set[str]:
    ids, current, in_id = set(), [], False
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            current, in_id = [line[6:].strip().strip('"')], True
        elif in_id and line.startswith('"'):
            current.append(line.strip().strip('"'))
        else:
            if in_id:
                ids.add("".join(current))
            in_id = False
    ids.discard("")
    return ids


def check_catalogue_complete(msgfmt: str) -> int:
    """Every translatable string in the code is in a zh_Hans catalogue, translated."""
    # Extract from a scratch copy of the tree: makemessages writes next to the sources it reads.
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "src"
        shutil.copytree(
            BASE_DIR, scratch, ignore=shutil.ignore_patterns(".git", ".venv", "var", "__pycache__")
        )
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "--no-obsolete",
                "--no-location",
                "-i",
                "tests/*",
            ],
            cwd=scratch,
            check=True,
            capture_output=True,
        )
        extracted = {
            po.relative_to(scratch): _msgids(po.read_text()) for po in catalogues(scratch, "zh_Hans")
        }
    problems = []
    for relative, msgids in extracted.items():
        committed = BASE_DIR / relative
        known = _msgids(committed.read_text()) if committed.exists() else set()
        problems += [f"  {relative}: {msgid}" for msgid in sorted(msgids - known)]
        if committed.exists():
            stats = subprocess.run(
                [msgfmt, "--statistics", "-o", os.devnull, str(committed)],
                capture_output=True,
                text=True,
                check=True,
            ).stderr
            if "untranslated" in stats or "fuzzy" in stats:
                problems.append(f"  {relative}: {stats.strip()}")
    if problems:
        print("Chinese catalogues are incomplete (run `make messages`, translate, commit):")
        print("\n".join(problems))
        return 1
    print(f"Chinese catalogues complete: {len(extracted)} checked.")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    checks = {"schema": check_schema, "translations": check_translations}
    sys.exit(checks[sys.argv[1]]())
