"""The form of a manual adjustment on the customer card's Points tab (the ledger's filters are in
loyalty.filters).

The adjustment form parses what the browser sends; `points_adjust` decides what is allowed (the
right, the cap, the balance) and says why not, with the words the till's API uses too.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import PointsEntry

ADJUSTMENT_KINDS = [
    (PointsEntry.Kind.ADJUST.value, _("Adjust (add or take points)")),
    (PointsEntry.Kind.BONUS.value, _("Give bonus points")),
]


class PointsAdjustForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"), choices=ADJUSTMENT_KINDS, initial=PointsEntry.Kind.ADJUST.value, widget=forms.RadioSelect
    )
    points = forms.CharField(
        label=_("Points"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("A whole number; negative to take points (e.g. -50)."),
        error_messages={"required": _("Give a number of points other than zero.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown in the ledger beside the adjustment."),
        error_messages={"required": _("Give a reason: the ledger shows it beside the adjustment.")},
    )
