from django import forms


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail",
        max_length=254,
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "That doesn't look like an e-mail address. Check it and try again.",
        },
        widget=forms.EmailInput(attrs={"placeholder": "you@company.com", "autocomplete": "email"}),
    )
