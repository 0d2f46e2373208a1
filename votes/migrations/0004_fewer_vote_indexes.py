"""Fewer indexes for every first vote to update: the tool's own index repeated the lead column
of vote_tool_value, and the user and visitor indexes held an entry for every vote of the other
kind (NULL). Six index entries a first vote became four."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('comparisons', '0008_announce_counts_after_commit'),
        ('votes', '0003_drop_community_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='vote',
            name='anonymous_id',
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='vote',
            name='tool',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='comparisons.tool'),
        ),
        migrations.AlterField(
            model_name='vote',
            name='user',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='votes', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='vote',
            index=models.Index(condition=models.Q(('user__isnull', False)), fields=['user'], name='vote_user'),
        ),
        migrations.AddIndex(
            model_name='vote',
            index=models.Index(condition=models.Q(('anonymous_id__isnull', False)), fields=['anonymous_id'], name='vote_anonymous_voter'),
        ),
    ]
