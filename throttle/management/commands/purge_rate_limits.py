from django.core.management.base import BaseCommand

from throttle.limits import purge_expired


class Command(BaseCommand):
    help = "Delete rate-limit counters whose window has ended (run it hourly, e.g. from cron)."

    def handle(self, *args, **options):
        removed = purge_expired()
        self.stdout.write(f"Removed {removed} expired rate-limit counter{'s' * (removed != 1)}.")
