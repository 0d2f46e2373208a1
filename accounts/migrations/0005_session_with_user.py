from django.db import migrations, models

# Sessions move to accounts_session, which carries the id of the user each one logs in
# (accounts/sessions.py). Live sessions are copied so nobody is logged out by the upgrade: their
# user id is empty until their next save, and until then the user is read on its own, as before.
COPY_LIVE_SESSIONS = """
INSERT INTO accounts_session (session_key, session_data, expire_date, user_id)
SELECT session_key, session_data, expire_date, NULL FROM django_session WHERE expire_date > now()
ON CONFLICT (session_key) DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_editors_see_subscribers"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.BigIntegerField(blank=True, editable=False, null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunSQL(COPY_LIVE_SESSIONS, migrations.RunSQL.noop),
    ]
