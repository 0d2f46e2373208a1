from django.core.management.base import BaseCommand

from comparisons.demo import load_demo_content


class Command(BaseCommand):
    help = "Load the demo catalog (idempotent: creates what is missing, changes nothing else)."

    def handle(self, *args, **options) -> None:
        summary = load_demo_content()
        self.stdout.write(self.style.SUCCESS(f"Demo content: {summary}."))
