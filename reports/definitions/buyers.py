"""1. Buyers of a product: the customers who bought the chosen products (or products of the chosen
groups) in the period, with what they bought, how often and when, and their contact data where
they consented to marketing on that channel."""

from django.db.models import Case, Count, DecimalField, F, Max, Min, Q, Sum, When
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from reports.forms import ReportForm
from reports.parameters import customer_group_q, period_q, product_q, store_q
from reports.registry import Column, Report, report_register
from sales.models import MONEY, QUANTITY, SalesLine

CHUNK = 2000


class BuyersForm(ReportForm):
    filters = ("period", "stores", "products", "product_groups", "customer_groups")


def buyer_lines(parameters: dict):
    """The purchase lines of known customers that count: receipts and invoices in the period at
    the chosen stores, of the chosen products, by customers of the chosen groups, not returned in
    full (a line given back entirely was not bought after all)."""
    return SalesLine.objects.of_purchases().filter(
        period_q(parameters, "document__occurred_at"),
        store_q(parameters, "document__store"),
        product_q(parameters),
        customer_group_q(parameters, "document__customer"),
        document__customer__isnull=False,
        quantity__gt=F("returned_quantity"),
    )


def _consent_labels() -> dict[tuple[bool, bool], str]:
    """The consent column's words by (e-mail, SMS) consent, translated once per report."""
    return {
        (True, True): str(_("E-mail and SMS")),
        (True, False): str(_("E-mail")),
        (False, True): str(_("SMS")),
        (False, False): str(_("None")),
    }


@report_register
class BuyersReport(Report):
    number = 1
    code = "buyers"
    title = _("Buyers of a product")
    description = _(
        "The customers who bought the chosen products, or products of the chosen groups and their "
        "sub-groups, in the period (with no product and no group chosen: every product, so every "
        "buyer): the quantity and the amount net of returns, the number of receipts and invoices, "
        "the first and the last purchase in the period. The e-mail address is shown only for "
        "customers who consented to e-mail marketing, the phone only for those who consented to "
        "SMS marketing. Sales without a customer, orders and quotes, and lines returned in full do "
        "not count. Largest amount first."
    )
    form_class = BuyersForm

    def columns(self, parameters):
        return [
            Column("customer", _("Customer code"), "integer", 10),
            Column("name", _("Name"), "text", 28),
            Column("group", _("Group"), "text", 18),
            Column("quantity", _("Quantity"), "quantity", 12),
            Column("amount", _("Amount"), "money", 14),
            Column("receipts", _("Receipts"), "integer", 10),
            Column("first_purchase", _("First purchase"), "datetime", 17),
            Column("last_purchase", _("Last purchase"), "datetime", 17),
            Column("email", _("E-mail"), "text", 28),
            Column("phone", _("Phone"), "text", 18),
            Column("consent", _("Marketing consent"), "text", 16),
        ]

    def _query(self, parameters):
        customer = "document__customer__"
        return (
            buyer_lines(parameters)
            .values(
                customer_id=F("document__customer_id"),
                kind=F(customer + "kind"),
                first_name=F(customer + "first_name"),
                last_name=F(customer + "last_name"),
                company_name=F(customer + "company_name"),
                group_name=F(customer + "group__name"),
                email_consent=F(customer + "email_consent"),
                sms_consent=F(customer + "sms_consent"),
                # Contact data leaves the database only where the customer consented to it.
                email=Case(When(**{customer + "email_consent": True}, then=F(customer + "email"))),
                phone=Case(When(**{customer + "sms_consent": True}, then=F(customer + "phone"))),
            )
            .annotate(
                # Named apart from the line's fields, which the later sums still read.
                net_quantity=Sum(F("quantity") - F("returned_quantity"), output_field=DecimalField(**QUANTITY)),
                amount=Sum(
                    F("line_total") - Round(F("unit_price") * F("returned_quantity"), 2),
                    output_field=DecimalField(**MONEY),
                ),
                receipts=Count("document", distinct=True),
                first_purchase=Min("document__occurred_at"),
                last_purchase=Max("document__occurred_at"),
            )
            .order_by("-amount", "customer_id")
        )

    def customers(self, parameters):
        return Q(pk__in=buyer_lines(parameters).values("document__customer_id"))

    def rows(self, parameters):
        consent_labels = _consent_labels()
        for row in self._query(parameters).iterator(chunk_size=CHUNK):
            if row["kind"] == Customer.Kind.BUSINESS:
                name = row["company_name"]
            else:
                name = f"{row['first_name']} {row['last_name']}".strip()
            yield {
                "customer": row["customer_id"],
                "name": name,
                "group": row["group_name"],
                "quantity": row["net_quantity"],
                "amount": row["amount"],
                "receipts": row["receipts"],
                "first_purchase": row["first_purchase"],
                "last_purchase": row["last_purchase"],
                "email": row["email"] or None,
                "phone": row["phone"] or None,
                "consent": consent_labels[row["email_consent"], row["sms_consent"]],
            }

    # No chart: the run's preview already lists the largest buyers by name with their amounts,
    # and a bar per person says nothing that those rows do not.
