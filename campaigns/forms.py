"""The segment builder's form: a name, a description and the conditions, read from the posted
rows (`g<group>-c<condition>-field|operator|value|extra`) in their order."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Segment
from campaigns.rules import MAX_CONDITIONS, MAX_GROUPS, Condition, ConditionGroup, Definition
from campaigns.services.campaigns import FIELDS, CampaignInput, TextInput
from loyalty.models import CardType

ROW = re.compile(r"^g(\d+)-c(\d+)-field$")


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


def definition_of_post(data) -> Definition:
    """The conditions as posted, groups and conditions in the order of their numbers. A row whose
    field differs from the one the builder showed it with (`…-shown`) starts without comparison
    and value: the builder gives it its new field's first ones."""
    rows: dict[int, dict[int, Condition]] = {}
    for key in data:
        match = ROW.match(key)
        if not match:
            continue
        group, index = int(match[1]), int(match[2])
        if group >= MAX_GROUPS * 2 or index >= MAX_CONDITIONS * 2:
            continue
        prefix = f"g{group}-c{index}-"
        field = data.get(prefix + "field", "").strip()
        if data.get(prefix + "shown", field) != field:
            # The field was changed in the builder: its comparison and value start anew.
            rows.setdefault(group, {})[index] = Condition(field=field, operator="")
            continue
        rows.setdefault(group, {})[index] = Condition(
            field=field,
            operator=data.get(prefix + "operator", "").strip(),
            value=data.get(prefix + "value", "").strip(),
            extra=data.get(prefix + "extra", "").strip(),
        )
    groups = []
    for group in sorted(rows):
        groups.append(ConditionGroup(tuple(rows[group][index] for index in sorted(rows[group]))))
    # A group posted only as an empty marker ("add a group") has no rows yet.
    return Definition(tuple(groups))


def definition_changed(definition: Definition, action: str, *, first_field: str) -> Definition:
    """The definition after a builder button: `add:<g>` a condition in group g, `group` a new
    group, `remove:<g>:<c>` one condition (its group goes when it was the last)."""
    groups = [list(group.conditions) for group in definition.groups]
    blank = Condition(field=first_field, operator="")
    if action == "group" and len(groups) < MAX_GROUPS:
        groups.append([blank])
    elif action.startswith("add:"):
        index = _number(action[4:])
        if index is not None and index < len(groups) and len(groups[index]) < MAX_CONDITIONS:
            groups[index].append(blank)
    elif action.startswith("remove:"):
        parts = action[7:].split(":")
        group, condition = (_number(parts[0]), _number(parts[1])) if len(parts) == 2 else (None, None)
        if group is not None and condition is not None and group < len(groups) and condition < len(groups[group]):
            del groups[group][condition]
            if not groups[group]:
                del groups[group]
    if not groups:
        groups = [[blank]]
    return Definition(tuple(ConditionGroup(tuple(conditions)) for conditions in groups))


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class CampaignForm(forms.Form):
    """A campaign's settings and its texts, one subject and body per language; `data()` gives the
    service's input (which checks everything again and names what is wrong)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Campaign.Channel.choices)
    holdout_percent = forms.DecimalField(
        label=_("Hold-out group (%)"),
        initial=10,
        min_value=0,
        max_value=50,
        decimal_places=1,
        help_text=_("A share of the customers who may receive it, drawn at random, receives nothing: the comparison."),
    )
    offer = forms.ChoiceField(label=_("Offer"), choices=Campaign.Offer.choices, initial=Campaign.Offer.NONE)
    points_multiplier = forms.DecimalField(
        label=_("Points multiplier"), required=False, min_value=Decimal("1.01"), max_value=20, decimal_places=2
    )
    bonus_points = forms.IntegerField(label=_("Bonus points"), required=False, min_value=1, max_value=1_000_000)
    coupon_type = forms.ModelChoiceField(label=_("Coupon type"), queryset=CardType.objects.none(), required=False)
    offer_days = forms.IntegerField(
        label=_("Offer valid for (days)"),
        initial=30,
        min_value=1,
        max_value=365,
        help_text=_("From the day the campaign is sent."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(is_archived=False)
        self.fields["coupon_type"].queryset = CardType.objects.filter(kind=CardType.Kind.COUPON, is_active=True)
        for code, name in settings.LANGUAGES:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": name}, max_length=200, required=False
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def languages(self):
        """Per language: its name and its two fields, for the template."""
        return [(code, name, self[f"subject_{code}"], self[f"body_{code}"]) for code, name in settings.LANGUAGES]

    def data_input(self) -> CampaignInput:
        cleaned = self.cleaned_data
        return CampaignInput(
            name=cleaned["name"],
            segment=cleaned["segment"],
            channel=cleaned["channel"],
            holdout_percent=cleaned["holdout_percent"],
            offer=cleaned["offer"],
            points_multiplier=cleaned.get("points_multiplier"),
            bonus_points=cleaned.get("bonus_points"),
            coupon_type=cleaned.get("coupon_type"),
            offer_days=cleaned.get("offer_days"),
            texts=tuple(
                TextInput(code, cleaned.get(f"subject_{code}") or "", cleaned.get(f"body_{code}") or "")
                for code, _name in settings.LANGUAGES
            ),
        )

    def errors_take(self, error) -> None:
        """A service's ValidationError onto the fields it names (the rest above the form)."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)

    @staticmethod
    def initial_of(campaign: Campaign) -> dict:
        initial = {name: getattr(campaign, name) for name in FIELDS}
        for text in campaign.texts.all():
            initial[f"subject_{text.language}"], initial[f"body_{text.language}"] = text.subject, text.body
        return initial


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("Empty: send now."),
    )
