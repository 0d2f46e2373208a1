import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError

from accounts.editors import sync_editors_group


class Command(BaseCommand):
    help = "Create an editor account (or make an existing user one): staff, in the Editors group."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Do not ask for a password; set one later with changepassword.",
        )

    def handle(self, *args, username: str, email: str, no_input: bool, **options) -> None:
        User = get_user_model()
        group = sync_editors_group(Group, Permission)
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if created:
            if no_input:
                user.set_unusable_password()
            else:
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    raise CommandError("The passwords did not match; nothing was created.")
                user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.add(group)
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} editor {username}."))
        if created and no_input:
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")
