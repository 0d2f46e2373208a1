import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import postgres


class Command(BaseCommand):
    help = (
        "Restore a `backup` file into the configured database (or --database-url), replacing "
        "what is there."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--database-url", help="Restore here instead of the configured one")

    def handle(self, *args, file: str, database_url: str | None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        target = database_url or postgres.database_url()
        done = subprocess.run(
            [
                str(postgres.tool("pg_restore")),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={target}",
                str(path),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise CommandError(f"pg_restore failed: {done.stderr.strip()}")
        self.stdout.write(self.style.SUCCESS(f"Restored {path}."))
