"""Forms of Settings → Cards and of the card actions on a customer's card (the cards list's
filters are in loyalty.filters).

The forms parse what the browser sends; the services (loyalty.services.card_types and .cards)
decide what is valid and say why not, so a number scanned at the till and one typed in the back
office are refused with the same words. Values and percents are taken as text for that reason.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import CardType, Symbology
from sales.models import ProductGroup

DECIMAL_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
# What a scanner types: digits (or Code 128 characters) and Enter.
NUMBER_WIDGET = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"})


class CardTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CardType.Kind.choices)
    symbology = forms.ChoiceField(label=_("Barcode"), choices=Symbology.choices, initial=Symbology.EAN13)
    prefix = forms.CharField(
        label=_("Number prefix"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_(
            "Digits every number of this type starts with, e.g. your GS1 company prefix and a range. "
            "EAN-13 takes up to 8 digits, EAN-8 up to 3."
        ),
    )
    discount_percent = forms.CharField(
        label=_("Discount (%)"), max_length=10, required=False, widget=DECIMAL_WIDGET, help_text=_("Discount cards.")
    )
    gift_value = forms.CharField(
        label=_("Gift card value"), max_length=20, required=False, widget=DECIMAL_WIDGET, help_text=_("Gift cards.")
    )
    coupon_amount = forms.CharField(
        label=_("Coupon value"), max_length=20, required=False, widget=DECIMAL_WIDGET, help_text=_("Coupons: a value…")
    )
    coupon_percent = forms.CharField(
        label=_("Coupon discount (%)"),
        max_length=10,
        required=False,
        widget=DECIMAL_WIDGET,
        help_text=_("…or a discount in per cent."),
    )
    coupon_min_receipt = forms.CharField(
        label=_("Minimum receipt"),
        max_length=20,
        required=False,
        widget=DECIMAL_WIDGET,
        help_text=_("Coupons: the receipt they apply from; empty: any receipt."),
    )
    coupon_product_groups = forms.ModelMultipleChoiceField(
        label=_("Applies to product groups"),
        queryset=ProductGroup.objects.order_by("name"),
        required=False,
        help_text=_("Coupons: only the lines of these groups (with their sub-groups); none: every product."),
    )
    coupon_uses = forms.CharField(
        label=_("Uses per coupon"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Coupons: how many sales may use one; empty: once."),
    )
    valid_days = forms.CharField(
        label=_("Valid for (days)"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("From the day a card is made or assigned; leave empty for no end."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @staticmethod
    def initial_for(card_type: CardType) -> dict:
        def plain(value) -> str:
            return "" if value is None else f"{value.normalize():f}"

        return {
            "name": card_type.name,
            "kind": card_type.kind,
            "symbology": card_type.symbology,
            "prefix": card_type.prefix,
            "discount_percent": plain(card_type.discount_percent),
            "gift_value": "" if card_type.gift_value is None else f"{card_type.gift_value:f}",
            "coupon_amount": "" if card_type.coupon_amount is None else f"{card_type.coupon_amount:f}",
            "coupon_percent": plain(card_type.coupon_percent),
            "coupon_min_receipt": "" if card_type.coupon_min_receipt is None else f"{card_type.coupon_min_receipt:f}",
            "coupon_product_groups": list(card_type.coupon_product_groups.all()),
            "coupon_uses": card_type.coupon_uses if card_type.kind == CardType.Kind.COUPON else "",
            "valid_days": card_type.valid_days or "",
            "is_active": card_type.is_active,
        }


class CardBatchForm(forms.Form):
    prefix = "batch"

    quantity = forms.IntegerField(
        label=_("Number of cards"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        help_text=_("Up to 10,000 at a time; the numbers continue the type's range."),
    )


class CardAssignForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={**NUMBER_WIDGET.attrs, "autofocus": True}),
        help_text=_("Type the number or scan the card; Enter adds it."),
    )


class CardReplaceForm(forms.Form):
    number = forms.CharField(label=_("New card number"), max_length=60, required=False, widget=NUMBER_WIDGET)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. lost, damaged")}),
    )


class CardReasonForm(forms.Form):
    """The reason for blocking or removing a card (optional, kept in the card's history)."""

    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
