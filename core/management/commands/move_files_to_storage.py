"""Copy the private uploads on disk into the configured storage (the bucket of PRIVATE_STORAGE=s3).

Idempotent and verified: a file already in the bucket with the same size and SHA-256 is left
alone, every copy is read back and compared, and nothing is deleted from the disk. Exits with an
error when a file could not be verified, so a deployment script stops there.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError

from core.storage import move_files

SAME_STORAGE = (
    "The configured storage is the filesystem itself, so there is nothing to move: set "
    "PRIVATE_STORAGE=s3 and the bucket's settings first."
)
SOURCE_MISSING = "The folder {source} does not exist."
NOT_VERIFIED = "{count} file(s) could not be verified in the target storage (listed above)."


class Command(BaseCommand):
    help = "Copy private uploads from the filesystem (PRIVATE_MEDIA_ROOT) into the configured storage."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be copied; copy nothing.")
        parser.add_argument(
            "--source", default=None, help="The folder to copy from (default: PRIVATE_MEDIA_ROOT)."
        )

    def handle(self, *args, dry_run: bool, source: str | None, **options):
        root = Path(source or settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(SOURCE_MISSING.format(source=root))
        if isinstance(storages["default"], FileSystemStorage):
            raise CommandError(SAME_STORAGE)
        report = move_files(source=FileSystemStorage(location=root), dry_run=dry_run)
        for name in report.missing:
            self.stdout.write(f"missing on disk: {name}")
        for name in report.failed:
            self.stderr.write(f"not verified: {name}")
        self.stdout.write(
            f"{'would copy' if dry_run else 'copied'}: {len(report.copied)}, "
            f"already there: {len(report.already_there)}, missing on disk: {len(report.missing)}, "
            f"not verified: {len(report.failed)}"
        )
        if report.failed:
            raise CommandError(NOT_VERIFIED.format(count=len(report.failed)))
