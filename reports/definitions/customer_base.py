"""8. Customer base, in one of three views: customers by status and group (with the size of the
Control queue), new customers per month (how many bought since, how many may be sent marketing),
and how complete the records are (each standard contact field and each custom property: how many
active customers have it filled in)."""

from django import forms
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import ACTIVE_STATUSES, Customer, CustomerStatus, CustomProperty
from customers.selectors.groups import group_paths
from reports.forms import ReportForm
from reports.months import month_label, month_starts
from reports.parameters import period_days, period_q
from reports.registry import Chart, Column, Report, report_register

STATUS_GROUP = "status-group"
NEW_PER_MONTH = "new-per-month"
COMPLETENESS = "completeness"
VIEWS = (
    (STATUS_GROUP, gettext_lazy("Customers by status and group")),
    (NEW_PER_MONTH, gettext_lazy("New customers per month")),
    (COMPLETENESS, gettext_lazy("Completeness of the records")),
)
# The standard fields whose filling the completeness view counts, in the card's order.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "birth_date",
    "gender",
    "language",
    "address",
    "postal_code",
    "city",
    "country",
)


class CustomerBaseForm(ReportForm):
    filters = ("period",)

    view = forms.ChoiceField(
        label=gettext_lazy("View"),
        choices=VIEWS,
        initial=STATUS_GROUP,
        help_text=gettext_lazy("The period counts only for new customers per month."),
    )
    field_order = ["view", "date_from", "date_to"]

    def clean(self):
        # The period belongs to one view only; the others count the whole base as it is now and
        # neither check nor store a period.
        if self.cleaned_data.get("view") == NEW_PER_MONTH:
            self.period_required = True
        else:
            self.period_required = False
            self.cleaned_data["date_from"] = self.cleaned_data["date_to"] = None
        return super().clean()


def _filled(field_name: str) -> Q:
    field = Customer._meta.get_field(field_name)
    return Q(**{f"{field_name}__isnull": False}) if field.null else ~Q(**{field_name: ""})


def _property_filled(code: str) -> Q:
    """The key is in the customer's properties (JSONB `?`) with a value: neither null nor empty
    text (a "no" of a yes/no property is an answer)."""
    return Q(properties__has_key=code) & ~Q(properties__contains={code: None}) & ~Q(properties__contains={code: ""})


@report_register
class CustomerBaseReport(Report):
    number = 8
    code = "customer-base"
    title = gettext_lazy("Customer base")
    description = gettext_lazy(
        "The customers by status and group with the size of the Control queue, the new customers "
        "per month with how many have bought and may receive marketing, or how complete the records "
        "are: each contact field and custom property, filled in for how many active customers."
    )
    form_class = CustomerBaseForm

    def columns(self, parameters):
        view = parameters.get("view")
        if view == NEW_PER_MONTH:
            return [
                Column("month", gettext_lazy("Month"), "text", 10),
                Column("new", gettext_lazy("New customers"), "integer", 14),
                Column("bought", gettext_lazy("Of them have bought"), "integer", 16),
                Column("consent", gettext_lazy("Of them consent to marketing"), "integer", 18),
            ]
        if view == COMPLETENESS:
            return [
                Column("field", gettext_lazy("Field"), "text", 28),
                Column("kind", gettext_lazy("Kind"), "text", 18),
                Column("filled", gettext_lazy("Filled in"), "integer", 12),
                Column("share", gettext_lazy("Share of active customers"), "percent", 14),
            ]
        return [
            Column("status", gettext_lazy("Status"), "text", 28),
            Column("group", gettext_lazy("Group"), "text", 32),
            Column("customers", gettext_lazy("Customers"), "integer", 12),
        ]

    def rows(self, parameters):
        view = parameters.get("view")
        if view == NEW_PER_MONTH:
            yield from self._new_per_month(parameters)
        elif view == COMPLETENESS:
            yield from self._completeness()
        else:
            yield from self._status_group()

    # --- customers by status and group ---------------------------------------------------------

    def _status_counts(self) -> list[tuple[str, int | None, int]]:
        """(status, group id or None, count) for every combination that has customers, in the
        statuses' order, groups by their path, "no group" last."""
        paths = group_paths(separator=" / ")
        order = {status: index for index, status in enumerate(CustomerStatus.values)}
        counts = Customer.objects.values_list("status", "group_id").annotate(count=Count("pk")).order_by()
        return sorted(
            counts,
            key=lambda item: (order.get(item[0], len(order)), item[1] is None, paths.get(item[1], "").lower()),
        )

    def _status_group(self):
        paths = group_paths(separator=" / ")
        labels = dict(CustomerStatus.choices)
        total = control = 0
        for status, group_id, count in self._status_counts():
            yield {
                "status": str(labels.get(status, status)),
                "group": paths[group_id] if group_id else _("No group"),
                "customers": count,
            }
            total += count
            if status == CustomerStatus.CONTROL:
                control += count
        yield {"status": _("All customers"), "group": None, "customers": total}
        # Stated even when it is empty: the records waiting to be completed.
        yield {"status": _("Control queue: records to complete"), "group": None, "customers": control}

    # --- new customers per month ---------------------------------------------------------------

    def _new_per_month(self, parameters):
        first, last = period_days(parameters)
        figures = {
            row["month"].date() if hasattr(row["month"], "date") else row["month"]: row
            for row in Customer.objects.filter(period_q(parameters, "created_at"))
            .annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(
                new=Count("pk"),
                bought=Count("pk", filter=Q(purchase_count__gt=0)),
                consent=Count("pk", filter=Q(email_consent=True) | Q(sms_consent=True)),
            )
            .order_by("month")
        }
        for month in month_starts(first, last):
            row = figures.get(month, {})
            yield {
                "month": month_label(month),
                "new": row.get("new", 0),
                "bought": row.get("bought", 0),
                "consent": row.get("consent", 0),
            }

    # --- completeness --------------------------------------------------------------------------

    def _completeness(self):
        """One aggregate query over the active customers: a filtered count per field."""
        properties = list(CustomProperty.objects.filter(is_archived=False).order_by("position", "code"))
        counts = {f"field_{index}": Count("pk", filter=_filled(name)) for index, name in enumerate(CONTACT_FIELDS)}
        counts |= {
            f"property_{index}": Count("pk", filter=_property_filled(prop.code))
            for index, prop in enumerate(properties)
        }
        figures = Customer.objects.filter(status__in=ACTIVE_STATUSES).aggregate(active=Count("pk"), **counts)
        active = figures["active"]

        def share(filled: int):
            return filled / active if active else None

        standard, custom = _("Standard field"), _("Custom property")
        for index, name in enumerate(CONTACT_FIELDS):
            filled = figures[f"field_{index}"]
            yield {
                "field": str(capfirst(Customer._meta.get_field(name).verbose_name)),
                "kind": standard,
                "filled": filled,
                "share": share(filled),
            }
        for index, prop in enumerate(properties):
            filled = figures[f"property_{index}"]
            yield {"field": prop.label, "kind": custom, "filled": filled, "share": share(filled)}

    # --- the chart -----------------------------------------------------------------------------

    def chart(self, parameters):
        view = parameters.get("view")
        if view == NEW_PER_MONTH:
            return NewPerMonthChart()
        if view == COMPLETENESS:
            return CompletenessChart()
        return StatusGroupChart()


class NewPerMonthChart(Chart):
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, row):
        self.rows.append(row)

    def result(self):
        return {
            "kind": "bar",
            "labels": [row["month"] for row in self.rows],
            "series": [
                {"name": _("New customers"), "values": [row["new"] for row in self.rows]},
                {"name": _("Of them have bought"), "values": [row["bought"] for row in self.rows]},
                {"name": _("Of them consent to marketing"), "values": [row["consent"] for row in self.rows]},
            ],
            "value_format": "integer",
        }


class CompletenessChart(Chart):
    def __init__(self):
        self.labels: list[str] = []
        self.shares: list[float] = []

    def add(self, row):
        self.labels.append(row["field"])
        self.shares.append(row["share"] or 0)

    def result(self):
        return {
            "kind": "bar",
            "labels": self.labels,
            "series": [{"name": _("Share of active customers"), "values": self.shares}],
            "value_format": "percent",
        }


class StatusGroupChart(Chart):
    """A bar per group (by its path, "no group" last), a series per status (every status)."""

    def __init__(self):
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, row):
        # The totals at the end belong to no group: they are no bars.
        if row["group"] is not None:
            self.counts[row["status"], str(row["group"])] = row["customers"]

    def result(self):
        no_group = _("No group")
        groups = sorted({group for _status, group in self.counts}, key=lambda group: (group == no_group, group.lower()))
        return {
            "kind": "bar",
            "labels": groups,
            "series": [
                {"name": str(label), "values": [self.counts.get((str(label), group), 0) for group in groups]}
                for _status, label in CustomerStatus.choices
            ],
            "value_format": "integer",
        }
