import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops import postgres


class Command(BaseCommand):
    help = "Dump the database with pg_dump in its custom format (restore with `restore`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", help="File to write (default backups/<timestamp>.dump)")

    def handle(self, *args, output: str | None, **options) -> None:
        path = Path(output or f"backups/shipskip-{timezone.now():%Y%m%d-%H%M%S}.dump")
        path.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                str(postgres.tool("pg_dump")),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={path}",
                postgres.database_url(),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({path.stat().st_size} bytes)."))
