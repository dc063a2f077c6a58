"""Forms of Settings → Customers: custom properties and customer groups."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerGroup, CustomProperty
from customers.selectors.groups import group_choices


class PropertyForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For “One of a list”: one choice per line."),
    )

    class Meta:
        model = CustomProperty
        fields = ["code", "label_en", "label_de", "label_et", "type", "is_required", "is_shown_in_list", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["choices_text"].initial = "\n".join(self.instance.choices)

    def validate_unique(self):
        """The service checks the code and names the problem."""

    def choices(self) -> list[str]:
        return self.cleaned_data.get("choices_text", "").splitlines()


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.TypedChoiceField(label=_("Parent group"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, exclude_ids: set[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [
            ("", _("— top level —")),
            *[c for c in group_choices() if c[0] not in exclude_ids],
        ]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        return CustomerGroup.objects.filter(pk=parent).first() if parent else None


class GroupDeleteForm(forms.Form):
    move_customers_to = forms.TypedChoiceField(
        label=_("Move its customers to"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, group: CustomerGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_customers_to"].choices = [
            ("", _("No group")),
            *[choice for choice in group_choices() if choice[0] != group.pk],
        ]

    def clean_move_customers_to(self):
        target = self.cleaned_data.get("move_customers_to")
        return CustomerGroup.objects.filter(pk=target).first() if target else None
