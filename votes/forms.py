from django import forms


class CompareSelectedForm(forms.Form):
    tools = forms.MultipleChoiceField(
        choices=[],
        error_messages={"required": "Tick two to four bookmarked tools to compare."},
    )

    def __init__(self, *args, slugs: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tools"].choices = [(slug, slug) for slug in slugs]

    def clean_tools(self) -> list[str]:
        tools = self.cleaned_data["tools"]
        if not 2 <= len(tools) <= 4:
            raise forms.ValidationError("Tick two to four bookmarked tools to compare.")
        return tools
