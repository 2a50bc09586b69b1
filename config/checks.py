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
    for po_file in sorted((BASE_DIR / "locale").glob("*/LC_MESSAGES/django.po")):
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
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    checks = {"schema": check_schema, "translations": check_translations}
    sys.exit(checks[sys.argv[1]]())
