from django.core.management.base import BaseCommand

from newsletter.services import send_weekly_digest


class Command(BaseCommand):
    help = (
        "E-mail the past seven days' verdicts and comparisons to every confirmed subscriber. "
        "Safe to run again: no address gets the same week twice."
    )

    def handle(self, *args, **options) -> None:
        report = send_weekly_digest()
        self.stdout.write(self.style.SUCCESS(str(report)))
