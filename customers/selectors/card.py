from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import ConsentEvent, Customer, CustomerEvent, CustomerNote, CustomerStatus, CustomProperty
from customers.rules import customer_missing, phone_display, property_value_display
from customers.selectors.properties import property_list
from customers.selectors.rfm import rfm_score_of


@dataclass
class PropertyValue:
    label: str
    value: str
    is_archived: bool


@dataclass
class CustomerCard:
    customer: Customer
    missing: list[str]
    average_receipt: object
    days_since_last_purchase: int | None
    phone: str
    properties: list[PropertyValue]


def customer_card(*, customer_id: int) -> CustomerCard:
    """The card's header and overview: the customer, purchase figures, what is missing."""
    customer = Customer.objects.select_related("group", "company").get(pk=customer_id)
    properties = property_list()
    average = customer.purchase_total / customer.purchase_count if customer.purchase_count else None
    days = (timezone.now() - customer.last_purchase_at).days if customer.last_purchase_at else None
    return CustomerCard(
        customer=customer,
        missing=customer_missing(customer, properties),
        average_receipt=average,
        days_since_last_purchase=days,
        phone=phone_display(customer.phone),
        properties=[
            PropertyValue(
                prop.label, property_value_display(prop, customer.properties.get(prop.code)), prop.is_archived
            )
            for prop in properties
            if not prop.is_archived or customer.properties.get(prop.code) is not None
        ],
    )


SOURCE_LABELS = {
    "back office": _("back office"),
    "till": _("till"),
    "import": _("import"),
    "bulk": _("bulk action"),
    "merge": _("merge"),
}


def _status_label(value: str) -> str:
    return str(CustomerStatus(value).label) if value in CustomerStatus.values else value


def _field_label(field: str, properties: dict[str, CustomProperty]) -> str:
    if field.startswith("property:"):
        prop = properties.get(field.split(":", 1)[1])
        return prop.label if prop else field.split(":", 1)[1]
    try:
        return str(Customer._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - an event may name a field a later version renamed
        return field


def notes_tab_context(customer: Customer, *, page=None) -> dict:
    """The card's Notes tab: the customer's notes, newest first, with their authors."""
    return {"notes": CustomerNote.objects.filter(customer=customer).select_related("author")}


def history_tab_context(customer: Customer, *, page=None) -> dict:
    """The card's History tab: the customer's last 500 changes, fields and statuses labelled."""
    properties = {prop.code: prop for prop in property_list()}
    events = list(CustomerEvent.objects.filter(customer=customer).select_related("actor")[:500])
    for event in events:
        event.field_label = _field_label(event.field, properties) if event.field else ""
        event.source_label = SOURCE_LABELS.get(event.source, event.source)
        if event.field == "status":
            event.old_value = _status_label(event.old_value)
            event.new_value = _status_label(event.new_value)
    return {"events": events}


def overview_tab_context(customer: Customer, *, page=None) -> dict:
    """The card's Overview tab: contact persons of a business, consent history and RFM scores."""
    return {
        "contacts": Customer.objects.filter(company=customer).order_by("department", "last_name")
        if customer.is_business
        else [],
        "consent_events": ConsentEvent.objects.filter(customer=customer).select_related("actor")[:20],
        # RFM scores and segment: one query, and none before a first purchase.
        "rfm": rfm_score_of(customer),
    }
