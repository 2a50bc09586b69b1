"""Print who may do what in admin (accounts/permission_matrix.py); --write puts it in README.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import permission_matrix


class Command(BaseCommand):
    help = "Print the permission matrix (role by admin page, action and CSV export) as Markdown."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Replace the matrix section of README.md.")
        parser.add_argument("--readme", default=str(permission_matrix.README), help="The README to write.")

    def handle(self, *args, **options):
        table = permission_matrix.markdown()
        if not options["write"]:
            self.stdout.write(table, ending="")
            return
        readme = Path(options["readme"])
        try:
            text = permission_matrix.replace_section(readme.read_text(encoding="utf-8"), table)
        except ValueError as error:
            raise CommandError(str(error)) from None
        readme.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote the permission matrix to {readme}.")
