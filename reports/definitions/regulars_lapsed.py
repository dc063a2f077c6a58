"""4. Regulars and lapsed customers: two lists to act on. The top customers by amount in a period
(net of the returns taken in it), or the customers to win back: those who bought often but not
for a while. Contact data only where the customer consented to marketing on that channel."""

import datetime

from django import forms
from django.db.models import Case, Count, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerStatus
from reports.forms import ReportForm
from reports.parameters import customer_group_ids, customer_group_q, period_q, store_q
from reports.registry import Column, Report, report_register
from sales.models import MONEY, Return, SalesDocument, Store, purchase_condition

CHUNK = 2000
TOP = "top"
WIN_BACK = "win-back"


class RegularsLapsedForm(ReportForm):
    filters = ("period", "stores", "customer_groups")
    field_order = ["list", "date_from", "date_to", "top_count", "lapsed_days", "min_purchases"]

    list = forms.ChoiceField(
        label=_("List"),
        choices=[
            (TOP, _("Top customers by amount in the period")),
            (WIN_BACK, _("Customers to win back: regulars who stopped buying")),
        ],
        initial=TOP,
    )
    top_count = forms.IntegerField(
        label=_("How many"),
        initial=100,
        min_value=1,
        max_value=10000,
        required=False,
        help_text=_("Top customers: the length of the list."),
    )
    lapsed_days = forms.IntegerField(
        label=_("No purchase for more than (days)"),
        initial=90,
        max_value=36500,
        required=False,
        help_text=_("Customers to win back; the period and the stores do not apply to them."),
    )
    min_purchases = forms.IntegerField(
        label=_("Bought at least (times)"),
        initial=3,
        max_value=1_000_000,
        required=False,
        help_text=_("Customers to win back: purchases before they stopped."),
    )

    def clean(self):
        choice = self.cleaned_data.get("list")
        # The period matters to the top list only; the win-back list reads the purchase figures.
        self.period_required = choice == TOP
        if choice == WIN_BACK:
            self.cleaned_data["date_from"] = self.cleaned_data["date_to"] = None
        cleaned = super().clean()
        if choice == TOP:
            if cleaned.get("top_count") is None and "top_count" not in self.errors:
                self.add_error("top_count", _("Say how many customers to list."))
            cleaned["lapsed_days"] = cleaned["min_purchases"] = None
        elif choice == WIN_BACK:
            days, purchases = cleaned.get("lapsed_days"), cleaned.get("min_purchases")
            if "lapsed_days" not in self.errors and (days is None or days < 1):
                self.add_error("lapsed_days", _("Give the days without a purchase: 1 or more."))
            if "min_purchases" not in self.errors and (purchases is None or purchases < 1):
                self.add_error("min_purchases", _("Give how many purchases a customer made at least: 1 or more."))
            cleaned["top_count"] = None
            cleaned["stores"] = Store.objects.none()
        return cleaned


class _CustomerReturns(Subquery):
    """The returns of the grouped row's customer, 0 without any. It depends on the grouped customer
    only, so it is no grouping key: left out of GROUP BY, PostgreSQL runs it once per customer
    instead of once per receipt."""

    template = "COALESCE((%(subquery)s), 0)"

    def get_group_by_cols(self):
        return []


def _customer_name(row: dict) -> str:
    if row["customer_kind"] == Customer.Kind.BUSINESS:
        return row["customer_company_name"]
    return f"{row['customer_first_name']} {row['customer_last_name']}".strip()


def _customer_values(prefix: str) -> dict:
    """The customer's code, name parts, group and contacts; an e-mail address or a phone number
    leaves the database only where the customer consented to marketing on that channel."""
    return {
        "customer_code": F(f"{prefix}pk"),
        "customer_kind": F(f"{prefix}kind"),
        "customer_first_name": F(f"{prefix}first_name"),
        "customer_last_name": F(f"{prefix}last_name"),
        "customer_company_name": F(f"{prefix}company_name"),
        "group_name": F(f"{prefix}group__name"),
        "contact_email": Case(When(**{f"{prefix}email_consent": True}, then=F(f"{prefix}email"))),
        "contact_phone": Case(When(**{f"{prefix}sms_consent": True}, then=F(f"{prefix}phone"))),
    }


@report_register
class RegularsLapsedReport(Report):
    number = 4
    code = "regulars-lapsed"
    title = _("Regulars and lapsed customers")
    description = _(
        "Two lists to act on. Top customers: the customers who spent most in the period at the chosen "
        "stores, their receipts and invoices less the returns taken in the period, as many as asked. "
        "Customers to win back: those whose last purchase is more than the given number of days ago "
        "but who bought at least the given number of times, largest amount first. Archived customers "
        "are left out. The e-mail address is shown only for customers who consented to e-mail "
        "marketing, the phone only for those who consented to SMS marketing."
    )
    form_class = RegularsLapsedForm

    def columns(self, parameters):
        contacts = [Column("email", _("E-mail"), "text", 28), Column("phone", _("Phone"), "text", 18)]
        if parameters.get("list") == WIN_BACK:
            return [
                Column("customer", _("Customer code"), "integer", 10),
                Column("name", _("Name"), "text", 28),
                Column("group", _("Group"), "text", 18),
                Column("purchases", _("Purchases"), "integer", 10),
                Column("amount", _("Amount"), "money", 14),
                Column("last_purchase", _("Last purchase"), "datetime", 17),
                Column("days_since", _("Days since the last purchase"), "integer", 12),
                *contacts,
            ]
        return [
            Column("rank", _("Rank"), "integer", 6),
            Column("customer", _("Customer code"), "integer", 10),
            Column("name", _("Name"), "text", 28),
            Column("group", _("Group"), "text", 18),
            Column("receipts", _("Receipts"), "integer", 10),
            Column("amount", _("Amount"), "money", 14),
            Column("last_purchase", _("Last purchase in the period"), "datetime", 17),
            *contacts,
        ]

    def customers(self, parameters):
        if parameters.get("list") == WIN_BACK:
            return Q(pk__in=self._win_back_query(parameters, timezone.localdate()).values("pk"))
        return Q(pk__in=self._top_query(parameters).values("customer_code"))

    def rows(self, parameters):
        if parameters.get("list") == WIN_BACK:
            yield from self._win_back_rows(parameters)
        else:
            yield from self._top_rows(parameters)

    def _top_query(self, parameters):
        returned = (
            Return.objects.filter(
                period_q(parameters, "occurred_at"),
                store_q(parameters),
                purchase_condition(through="sale__"),
                customer_id=OuterRef("customer_code"),
            )
            .values("customer_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return (
            SalesDocument.objects.purchases()
            .filter(
                period_q(parameters, "occurred_at"),
                store_q(parameters),
                customer_group_q(parameters),
                customer__isnull=False,
            )
            .exclude(customer__status=CustomerStatus.ARCHIVED)
            .values(**_customer_values("customer__"))
            .annotate(
                receipts=Count("pk"),
                last_purchase=Max("occurred_at"),
                amount=Sum("total") - _CustomerReturns(returned, output_field=DecimalField(**MONEY)),
            )
            .order_by("-amount", "-receipts", "customer_code")[: parameters.get("top_count") or 100]
        )

    def _top_rows(self, parameters):
        for rank, row in enumerate(self._top_query(parameters).iterator(chunk_size=CHUNK), start=1):
            yield {
                "rank": rank,
                "customer": row["customer_code"],
                "name": _customer_name(row),
                "group": row["group_name"],
                "receipts": row["receipts"],
                "amount": row["amount"],
                "last_purchase": row["last_purchase"],
                "email": row["contact_email"] or None,
                "phone": row["contact_phone"] or None,
            }

    def _win_back_query(self, parameters, today: datetime.date):
        cutoff = today - datetime.timedelta(days=parameters["lapsed_days"])
        # Bought last before the cutoff day began, in the retailer's time zone.
        cutoff_moment = datetime.datetime.combine(cutoff, datetime.time.min, tzinfo=timezone.get_current_timezone())
        groups = customer_group_ids(parameters)
        return (
            Customer.objects.filter(
                Q(group_id__in=groups) if groups else Q(),
                purchase_count__gte=parameters["min_purchases"],
                last_purchase_at__lt=cutoff_moment,
            )
            .exclude(status=CustomerStatus.ARCHIVED)
            .values(
                **_customer_values(""),
                purchases=F("purchase_count"),
                amount=F("purchase_total"),
                last_purchase=F("last_purchase_at"),
            )
            .order_by("-purchase_total", "pk")
        )

    def _win_back_rows(self, parameters):
        today = timezone.localdate()
        for row in self._win_back_query(parameters, today).iterator(chunk_size=CHUNK):
            yield {
                "customer": row["customer_code"],
                "name": _customer_name(row),
                "group": row["group_name"],
                "purchases": row["purchases"],
                "amount": row["amount"],
                "last_purchase": row["last_purchase"],
                "days_since": (today - timezone.localtime(row["last_purchase"]).date()).days,
                "email": row["contact_email"] or None,
                "phone": row["contact_phone"] or None,
            }

    def row_estimate(self, parameters):
        if parameters.get("list") == WIN_BACK:
            return self._win_back_query(parameters, timezone.localdate()).count()
        return parameters.get("top_count")
