from django.db import models


class Counter(models.Model):
    """One fixed-window counter per key, shared by every worker and node through PostgreSQL.

    The table is UNLOGGED (see the migration): counters are cheap to lose in a crash and do not
    need to reach a replica.
    """

    key = models.CharField(max_length=200, primary_key=True)
    window = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    # When the window ends (epoch seconds): after it, the row counts nothing and may go.
    expires_at = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} in window {self.window}"
