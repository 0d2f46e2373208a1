from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        help_text="For password resets and, if you ask for them, verdict alerts.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
