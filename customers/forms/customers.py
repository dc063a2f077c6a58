"""Forms of the customer list and card: a customer, a quick customer, a note and the bulk actions."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerGroup, CustomerStatus, CustomProperty
from customers.rules import (
    birth_date_clean,
    customer_number_clean,
    email_clean,
    phone_clean,
    property_value_clean,
)
from customers.selectors.groups import group_choices

PERSON_FIELDS = (
    "number",
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "phone",
    "email",
    "language",
    "address",
    "postal_code",
    "city",
    "country",
    "department",
    "position_title",
)
BUSINESS_FIELDS = (
    "number",
    "company_name",
    "registry_code",
    "vat_number",
    "phone",
    "email",
    "billing_email",
    "language",
    "address",
    "postal_code",
    "city",
    "country",
    "payment_terms_days",
    "delivery_address",
    "delivery_postal_code",
    "delivery_city",
    "delivery_country",
)
TEXT_WIDGET_FIELDS = {"birth_date": forms.DateInput(attrs={"type": "date"})}
YES_NO_EMPTY = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def _model_field(name: str) -> forms.Field:
    """A form field for a Customer field, as text where the shared cleaners do the parsing."""
    model_field = Customer._meta.get_field(name)
    if name in ("birth_date", "phone", "email", "billing_email"):
        return forms.CharField(
            label=capfirst(model_field.verbose_name),
            required=False,
            widget=TEXT_WIDGET_FIELDS.get(name, forms.TextInput(attrs={"type": "email"} if "email" in name else {})),
            help_text=model_field.help_text,
        )
    field = model_field.formfield(required=False)
    if name == "gender":
        field.choices = [("", "—"), *Customer.Gender.choices]
    if name == "language":
        field.choices = [("", _("The retailer's default")), *settings.LANGUAGES]
    return field


def property_form_field(prop: CustomProperty) -> forms.Field:
    label = prop.label + (" *" if prop.is_required else "")
    help_text = _("Required before the customer can be Introduced.") if prop.is_required else ""
    if prop.type == CustomProperty.Type.BOOLEAN:
        return forms.ChoiceField(label=label, choices=YES_NO_EMPTY, required=False, help_text=help_text)
    if prop.type == CustomProperty.Type.CHOICE:
        return forms.ChoiceField(
            label=label, choices=[("", "—"), *[(c, c) for c in prop.choices]], required=False, help_text=help_text
        )
    widget = {
        CustomProperty.Type.DATE: forms.DateInput(attrs={"type": "date"}),
        CustomProperty.Type.NUMBER: forms.TextInput(attrs={"inputmode": "decimal"}),
    }.get(prop.type, forms.TextInput())
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text)


def property_initial(prop: CustomProperty, value):
    if value is None:
        return ""
    if prop.type == CustomProperty.Type.BOOLEAN:
        return "yes" if value else "no"
    return value


class CustomerForm(forms.Form):
    """The full create and edit form of a person or a business, custom properties included."""

    status = forms.ChoiceField(label=_("Status"), choices=CustomerStatus.choices)
    group = forms.TypedChoiceField(label=_("Group"), required=False, coerce=int, empty_value=None)
    email_consent = forms.BooleanField(label=_("Consents to e-mail marketing"), required=False)
    sms_consent = forms.BooleanField(label=_("Consents to SMS marketing"), required=False)
    consent_source = forms.CharField(
        label=_("How was consent given or withdrawn?"),
        required=False,
        max_length=100,
        help_text=_("For example: signed form at the till, e-mail of 3 March. Needed when a consent changes."),
    )

    def __init__(
        self, *args, kind: str, tenant, properties: list[CustomProperty], instance: Customer | None = None, **kwargs
    ):
        self.kind = kind
        self.tenant = tenant
        self.properties = [prop for prop in properties if not prop.is_archived]
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        names = BUSINESS_FIELDS if kind == Customer.Kind.BUSINESS else PERSON_FIELDS
        fields = {name: _model_field(name) for name in names}
        for prop in self.properties:
            fields[f"property_{prop.code}"] = property_form_field(prop)
        fields.update(self.fields)
        self.fields = fields
        self.fields["group"].choices = [("", "—"), *group_choices()]
        if kind == Customer.Kind.BUSINESS:
            self.fields["company_name"].required = True
        if instance is None or not instance.company_id:
            self.fields.pop("department", None)
            self.fields.pop("position_title", None)

    def initial_from(self, customer: Customer) -> dict:
        initial = {name: getattr(customer, name) for name in set(PERSON_FIELDS) | set(BUSINESS_FIELDS)}
        initial["birth_date"] = customer.birth_date.isoformat() if customer.birth_date else ""
        initial.update(
            status=customer.status,
            group=customer.group_id,
            email_consent=customer.email_consent,
            sms_consent=customer.sms_consent,
        )
        for prop in CustomProperty.objects.filter(is_archived=False):
            initial[f"property_{prop.code}"] = property_initial(prop, customer.properties.get(prop.code))
        return initial

    def clean_phone(self):
        return phone_clean(self.cleaned_data.get("phone", ""), region=self.tenant.country)

    def clean_number(self):
        # Whether another customer has it is the service's to say (customer_create / _update).
        return customer_number_clean(self.cleaned_data.get("number", ""))

    def clean_email(self):
        return email_clean(self.cleaned_data.get("email", ""))

    def clean_billing_email(self):
        return email_clean(self.cleaned_data.get("billing_email", ""))

    def clean_birth_date(self):
        return birth_date_clean(self.cleaned_data.get("birth_date"))

    def clean_country(self):
        return self.cleaned_data.get("country", "").upper()

    def clean_delivery_country(self):
        return self.cleaned_data.get("delivery_country", "").upper()

    def clean(self):
        cleaned = super().clean()
        self.property_values = {}
        for prop in self.properties:
            name = f"property_{prop.code}"
            raw = cleaned.get(name)
            if prop.type == CustomProperty.Type.BOOLEAN and raw in ("yes", "no"):
                raw = raw == "yes"
            try:
                self.property_values[prop.code] = property_value_clean(prop, raw)
            except ValidationError as error:
                self.add_error(name, error)
        if self.kind == Customer.Kind.PERSON and not (cleaned.get("first_name") or cleaned.get("last_name")):
            self.add_error("last_name", _("A person needs a first or a last name."))
        consent_changed = any(
            bool(cleaned.get(name)) != bool(getattr(self.instance, name, False))
            for name in ("email_consent", "sms_consent")
        )
        if consent_changed and not cleaned.get("consent_source", "").strip():
            self.add_error("consent_source", _("Say how the consent was given or withdrawn."))
        if cleaned.get("group"):
            cleaned["group"] = CustomerGroup.objects.filter(pk=cleaned["group"]).first()
        return cleaned

    def customer_fields(self) -> dict:
        names = [name for name in self.fields if not name.startswith("property_")]
        fields = {name: self.cleaned_data[name] for name in names if name not in ("status", "consent_source")}
        fields["kind"] = self.kind
        if fields.get("payment_terms_days") == "":
            fields["payment_terms_days"] = None
        return fields

    def field_groups(self) -> list[tuple[str, list]]:
        """The form's fields in the sections the page shows."""
        # The customer number heads the first section: the person's, or the company's.
        is_business = self.kind == Customer.Kind.BUSINESS
        sections = {
            "person": (
                _("Person"),
                [
                    *([] if is_business else ["number"]),
                    *("first_name", "last_name", "birth_date", "gender", "department", "position_title"),
                ],
            ),
            "business": (
                _("Company"),
                [
                    *(["number"] if is_business else []),
                    "company_name",
                    "registry_code",
                    "vat_number",
                    "payment_terms_days",
                ],
            ),
            "contact": (_("Contact"), ["phone", "email", "billing_email", "language"]),
            "address": (
                _("Billing address") if self.kind == Customer.Kind.BUSINESS else _("Address"),
                ["address", "postal_code", "city", "country"],
            ),
            "delivery": (
                _("Delivery address"),
                ["delivery_address", "delivery_postal_code", "delivery_city", "delivery_country"],
            ),
            "properties": (_("Properties"), [f"property_{prop.code}" for prop in self.properties]),
            "marketing": (
                _("Status, group and consent"),
                ["status", "group", "email_consent", "sms_consent", "consent_source"],
            ),
        }
        groups = []
        for title, names in sections.values():
            bound = [self[name] for name in names if name in self.fields]
            if bound:
                groups.append((title, bound))
        return groups


class QuickCustomerForm(forms.Form):
    """The till's minimal form: a name and a phone; the customer starts in Control."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30)

    def __init__(self, *args, tenant, **kwargs):
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        return phone_clean(self.cleaned_data["phone"], region=self.tenant.country)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("first_name") or cleaned.get("last_name")):
            self.add_error("last_name", _("A person needs a first or a last name."))
        return cleaned


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("assign_group", _("Assign group")),
        ("set_status", _("Change status")),
        ("archive", _("Archive")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    group = forms.TypedChoiceField(label=_("Group"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *CustomerStatus.choices], required=False)
    scope = forms.ChoiceField(choices=[("selected", "selected"), ("filter", "filter")], widget=forms.HiddenInput)
    selected = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("No group")), *group_choices()]
        self.fields["selected"].choices = (
            [(value, value) for value in self.data.getlist("selected")] if self.data else []
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "set_status" and not cleaned.get("status"):
            self.add_error("status", _("Choose a status."))
        if cleaned.get("scope") == "selected" and not cleaned.get("selected"):
            self.add_error(None, _("Select customers first, or apply the action to the whole filter."))
        if cleaned.get("group"):
            cleaned["group"] = CustomerGroup.objects.filter(pk=cleaned["group"]).first()
        return cleaned
