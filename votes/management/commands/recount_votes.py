from django.core.management.base import BaseCommand

from votes.services import votes_recount_all


class Command(BaseCommand):
    help = "Recompute every tool's community counts from the votes table; report any that were off."

    def handle(self, *args, **options) -> None:
        fixed = votes_recount_all()
        self.stdout.write(self.style.SUCCESS(f"Recounted; {fixed} tool(s) had wrong counts."))
