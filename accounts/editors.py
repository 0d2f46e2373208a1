"""What an editor may do: run the catalog and moderate votes; never touch users or groups."""

EDITORS_GROUP = "Editors"

EDITOR_PERMISSIONS = {
    "comparisons": {
        "category": ["add", "change", "delete", "view"],
        "tool": ["add", "change", "delete", "view"],
        "review": ["add", "change", "delete", "view"],
        "reviewrevision": ["view"],
        "comparison": ["add", "change", "delete", "view"],
        "comparisonentry": ["add", "change", "delete", "view"],
        "persona": ["change", "view"],
    },
    "votes": {"vote": ["view", "delete"]},
    "newsletter": {"subscriber": ["view", "delete"], "digestdelivery": ["view"]},
}


def permission_codenames() -> list[tuple[str, str]]:
    return [
        (app, f"{action}_{model}")
        for app, models in EDITOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]


def sync_editors_group(Group, Permission):
    """Create or reset the Editors group with exactly these permissions.

    Takes the model classes so the data migration can pass its historical models.
    """
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.set(
        [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in permission_codenames()
        ]
    )
    return group


def sync_editors_group_in_migration(apps, schema_editor) -> None:
    """RunPython body: permissions are normally created after all migrations; make them now."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    sync_editors_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
