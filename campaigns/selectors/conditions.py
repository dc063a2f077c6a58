"""The fields a segment's conditions may name, each with its operators, its values and the SQL
condition it makes (a `Q` on customers). Built per request: the choices are the retailer's own
(groups, product groups, card types, custom properties).

Every condition is SQL: a segment counts and lists with one query, however many conditions it
has (campaigns.selectors.segments).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigns.rules import EXPIRING_DAYS, Condition
from customers.filters import property_date, property_number, years_ago
from customers.models import Customer, CustomerStatus, CustomProperty
from customers.selectors.groups import group_choices, group_descendant_ids
from customers.selectors.properties import property_list
from customers.selectors.rfm import RfmSegment, rfm_scores_sql, rfm_segment_q
from loyalty.models import Card, CardType, PointsEntry
from reports.selectors import customer_report_runs, report_run_customers, report_run_exists
from sales.models import Product, Return, SalesDocument, SalesLine, Store
from sales.selectors.products import product_group_choices, product_group_descendant_ids


class Kind:
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"
    ACTIVITY = "activity"  # a product group (or any product) and a number of days
    PRODUCT = "product"  # a product's code (SKU or EAN) and a number of days
    DAYS = "days"  # a number of days only


IS, IS_NOT = "is", "is_not"
AT_LEAST, AT_MOST = "gte", "lte"
CONTAINS = "contains"
DID, DID_NOT = "did", "did_not"

OPERATOR_LABELS: dict[str, Promise] = {
    IS: _("is"),
    IS_NOT: _("is not"),
    AT_LEAST: _("at least"),
    AT_MOST: _("at most"),
    CONTAINS: _("contains"),
    DID: _("yes"),
    DID_NOT: _("no"),
}
DATE_OPERATOR_LABELS = {AT_LEAST: _("on or after"), AT_MOST: _("on or before")}
KIND_OPERATORS = {
    Kind.CHOICE: (IS, IS_NOT),
    Kind.NUMBER: (AT_LEAST, AT_MOST),
    Kind.DATE: (AT_LEAST, AT_MOST),
    Kind.TEXT: (CONTAINS,),
    Kind.ACTIVITY: (DID, DID_NOT),
    Kind.PRODUCT: (DID, DID_NOT),
    Kind.DAYS: (DID, DID_NOT),
}
ANY_PRODUCT = "any"
MAX_DAYS = 3650
YES, NO = "yes", "no"


@dataclass(frozen=True)
class ConditionField:
    """A field conditions may name. `condition(operator, value, extra, today)` gets the value (and
    the days, for activity) as read by `read()`; a value that cannot be read raises
    ValidationError with a message naming the field."""

    code: str
    label: Promise | str
    section: Promise
    kind: str
    condition: Callable[[str, object, int | None, datetime.date], Q]
    choices: tuple[tuple[str, str], ...] = ()
    # Words after a number: "days", "points".
    unit: Promise | str = ""
    # The smallest and largest number allowed, where the condition needs them (an age in years).
    bounds: tuple[int, int] | None = None
    # A choice allowed besides those offered (a report's run older than the offered ones).
    accepts: Callable[[str], bool] | None = None

    @property
    def operators(self) -> tuple[tuple[str, str], ...]:
        labels = DATE_OPERATOR_LABELS if self.kind == Kind.DATE else OPERATOR_LABELS
        return tuple((code, str(labels[code])) for code in KIND_OPERATORS[self.kind])

    def read(self, condition: Condition) -> tuple[object, int | None]:
        """(the value, the days) of `condition`, checked; ValidationError naming the field."""
        if condition.operator not in KIND_OPERATORS[self.kind]:
            raise ValidationError(_("%(field)s: choose how to compare.") % {"field": self.label})
        value = condition.value.strip()
        if self.kind == Kind.CHOICE:
            if value not in {code for code, _label in self.choices} and not (self.accepts and self.accepts(value)):
                raise ValidationError(_("%(field)s: choose one of the options.") % {"field": self.label})
            return value, None
        if self.kind == Kind.NUMBER:
            try:
                number = Decimal(value.replace(",", "."))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or abs(number) >= Decimal("1e12"):
                raise ValidationError(_("%(field)s: give a number.") % {"field": self.label})
            if self.bounds and not self.bounds[0] <= number <= self.bounds[1]:
                raise ValidationError(
                    _("%(field)s: give a number from %(min)s to %(max)s.")
                    % {"field": self.label, "min": self.bounds[0], "max": self.bounds[1]}
                )
            return number, None
        if self.kind == Kind.DATE:
            try:
                return datetime.date.fromisoformat(value), None
            except ValueError as error:
                raise ValidationError(_("%(field)s: give a date.") % {"field": self.label}) from error
        if self.kind == Kind.TEXT:
            if not value:
                raise ValidationError(_("%(field)s: give the text to look for.") % {"field": self.label})
            return value, None
        days_text = (condition.extra if self.kind in (Kind.ACTIVITY, Kind.PRODUCT) else condition.value).strip()
        if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_DAYS:
            raise ValidationError(
                _("%(field)s: give the number of days, from 1 to %(max)s.") % {"field": self.label, "max": MAX_DAYS}
            )
        if self.kind == Kind.ACTIVITY and value not in {code for code, _label in self.choices}:
            raise ValidationError(_("%(field)s: choose one of the options.") % {"field": self.label})
        if self.kind == Kind.PRODUCT:
            product_id = (
                Product.objects.filter(Q(sku=value) | Q(ean=value)).values_list("pk", flat=True).first()
                if value
                else None
            )
            if product_id is None:
                raise ValidationError(
                    _("%(field)s: no product has the code or EAN “%(code)s”.") % {"field": self.label, "code": value}
                )
            return product_id, int(days_text)
        return value, int(days_text)

    def q(self, condition: Condition, today: datetime.date) -> Q:
        value, days = self.read(condition)
        return self.condition(condition.operator, value, days, today)


def _compare(name: str) -> Callable[[str, object, int | None, datetime.date], Q]:
    def condition(operator, value, _days, _today) -> Q:
        return Q(**{f"{name}__{operator}": value})

    return condition


def _choice(name: str, *, to_value=lambda value: value) -> Callable:
    def condition(operator, value, _days, _today) -> Q:
        matches = Q(**{name: to_value(value)})
        return matches if operator == IS else ~matches

    return condition


def _yes_no(name: str) -> Callable:
    return _choice(name, to_value=lambda value: value == YES)


def _group(operator, value, _days, _today) -> Q:
    matches = Q(group_id__in=group_descendant_ids(int(value)))
    return matches if operator == IS else ~matches


def _age(operator, value, _days, today) -> Q:
    years = int(value)
    if operator == AT_LEAST:
        return Q(birth_date__lte=years_ago(today, years))
    return Q(birth_date__gt=years_ago(today, years + 1))


def _average(operator, value, _days, _today) -> Q:
    return Q(purchase_count__gt=0) & Q(**{f"purchase_total__{operator}": F("purchase_count") * Value(value)})


def _days_since(name: str) -> Callable:
    """Days since a purchase: at least N means the purchase was N or more days ago (a customer who
    never bought has no such day and is not in either)."""

    def condition(operator, value, _days, today) -> Q:
        day = today - datetime.timedelta(days=int(value))
        if operator == AT_LEAST:
            return Q(**{f"{name}__date__lte": day})
        return Q(**{f"{name}__date__gte": day})

    return condition


def _year_spend(operator, value, _days, today) -> Q:
    """Spend over the last 12 months (purchases less what was returned of them), as the tiers
    count it: at most N includes customers who spent nothing."""
    since = today - datetime.timedelta(days=365)
    spenders = (
        SalesDocument.objects.purchases()
        .filter(customer__isnull=False, occurred_at__date__gt=since, occurred_at__date__lte=today)
        .values("customer_id")
        .annotate(spend=Sum(F("total") - F("returned_total")))
    )
    if operator == AT_LEAST:
        return Q(pk__in=spenders.filter(spend__gte=value).values("customer_id"))
    return ~Q(pk__in=spenders.filter(spend__gt=value).values("customer_id"))


def _rfm(operator, value, _days, _today) -> Q:
    return rfm_segment_q(value) if operator == IS else ~rfm_segment_q(value)


def _rfm_score(figure: str) -> Callable:
    """A customer's RFM score of one figure (1 to 5, by the RFM report's own scoring); customers
    who never bought have no score and are in neither."""

    def condition(operator, value, _days, _today) -> Q:
        sql, params = rfm_scores_sql()
        compare = ">=" if operator == AT_LEAST else "<="
        return Q(
            pk__in=RawSQL(f"SELECT customer_id FROM ({sql}) AS rfm WHERE {figure} {compare} %s", [*params, int(value)])
        )

    return condition


def _bought_at(operator, value, days, today) -> Q:
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time()))
    bought = Exists(
        SalesDocument.objects.purchases().filter(
            customer_id=OuterRef("pk"), occurred_at__gte=since, store_id=int(value)
        )
    )
    return Q(bought) if operator == DID else ~Q(bought)


def _bought(operator, value, days, today) -> Q:
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time()))
    lines = SalesLine.objects.filter(
        document__customer_id=OuterRef("pk"),
        document__occurred_at__gte=since,
        document__kind__in=[SalesDocument.Kind.RECEIPT, SalesDocument.Kind.INVOICE],
    )
    if value != ANY_PRODUCT:
        lines = lines.filter(product__group_id__in=product_group_descendant_ids(int(value)))
    bought = Exists(lines)
    return Q(bought) if operator == DID else ~Q(bought)


def _bought_product(operator, product_id, days, today) -> Q:
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time()))
    bought = Exists(
        SalesLine.objects.filter(
            document__customer_id=OuterRef("pk"),
            document__occurred_at__gte=since,
            document__kind__in=[SalesDocument.Kind.RECEIPT, SalesDocument.Kind.INVOICE],
            product_id=product_id,
        )
    )
    return Q(bought) if operator == DID else ~Q(bought)


def points_expiring(entries: QuerySet, *, today: datetime.date) -> QuerySet:
    """`entries` (points entries) per customer, each with `due`: the points that expire within
    EXPIRING_DAYS unless spent first. Spending takes the oldest points first, so of the points due
    by the horizon, those not yet covered by the debits and not already due today. The segment
    condition and the message placeholder `points_expiring` both read it."""
    horizon = today + datetime.timedelta(days=EXPIRING_DAYS)
    debits = Coalesce(Sum("points", filter=Q(points__lt=0)), 0)
    due_horizon = Coalesce(Sum("points", filter=Q(points__gt=0, expires_on__lte=horizon)), 0)
    due_today = Coalesce(Sum("points", filter=Q(points__gt=0, expires_on__lte=today)), 0)
    return (
        entries.exclude(kind__in=["merge_in", "merge_out"])
        .order_by()
        .values("customer_id")
        .annotate(due=Greatest(due_horizon + debits, 0) - Greatest(due_today + debits, 0))
    )


def _points_expiring(operator, value, _days, today) -> Q:
    per_customer = points_expiring(PointsEntry.objects.filter(customer_id=OuterRef("pk")), today=today)
    due = Coalesce(Subquery(per_customer.values("due"), output_field=IntegerField()), 0)
    compare = GreaterThanOrEqual if operator == AT_LEAST else LessThanOrEqual
    return Q(compare(due, value))


def _returned(operator, _value, days, today) -> Q:
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time()))
    returned = Exists(Return.objects.filter(customer_id=OuterRef("pk"), occurred_at__gte=since))
    return Q(returned) if operator == DID else ~Q(returned)


def _points(operator, value, _days, _today) -> Q:
    return Q(**{f"points_now__{operator}": value})


def _card_type(operator, value, _days, _today) -> Q:
    holds = Exists(Card.objects.filter(customer_id=OuterRef("pk"), card_type_id=int(value), status=Card.Status.ACTIVE))
    return Q(holds) if operator == IS else ~Q(holds)


def _report_run(operator, value, _days, _today) -> Q:
    customers = report_run_customers(value)
    return customers if operator == IS else ~customers


def _property_fields(prop: CustomProperty, section: Promise) -> list[ConditionField]:
    code = f"p:{prop.code}"
    label = prop.label
    key = f"properties__{prop.code}"
    if prop.type == CustomProperty.Type.TEXT:

        def text(_operator, value, _days, _today) -> Q:
            return Q(**{f"{key}__icontains": value})

        return [ConditionField(code, label, section, Kind.TEXT, text)]
    if prop.type == CustomProperty.Type.NUMBER:
        alias = f"property_{prop.code}"

        def number(operator, value, _days, _today) -> Q:
            # As the customer list's filter: the indexed cast of the stored number.
            return Q(**{f"{alias}__{operator}": float(value)})

        return [ConditionField(code, label, section, Kind.NUMBER, number)]
    if prop.type == CustomProperty.Type.DATE:

        def date(operator, value, _days, _today) -> Q:
            return Q(**{f"property_{prop.code}__{operator}": value.isoformat()})

        return [ConditionField(code, label, section, Kind.DATE, date)]
    if prop.type == CustomProperty.Type.BOOLEAN:

        def boolean(operator, value, _days, _today) -> Q:
            matches = Q(properties__contains={prop.code: value == YES})
            return matches if operator == IS else ~matches

        return [ConditionField(code, label, section, Kind.CHOICE, boolean, choices=_yes_no_choices())]
    if prop.type == CustomProperty.Type.CHOICE:

        def choice(operator, value, _days, _today) -> Q:
            matches = Q(properties__contains={prop.code: value})
            return matches if operator == IS else ~matches

        options = tuple((option, option) for option in prop.choices)
        return [ConditionField(code, label, section, Kind.CHOICE, choice, choices=options)]
    return []


def _yes_no_choices() -> tuple[tuple[str, str], ...]:
    return ((YES, str(_("Yes"))), (NO, str(_("No"))))


def property_aliases(properties: list[CustomProperty]) -> dict:
    """The expressions the property conditions compare (`.alias()` them before filtering)."""
    aliases = {}
    for prop in properties:
        if prop.type == CustomProperty.Type.NUMBER:
            aliases[f"property_{prop.code}"] = property_number(prop.code)
        elif prop.type == CustomProperty.Type.DATE:
            aliases[f"property_{prop.code}"] = property_date(prop.code)
    return aliases


POINTS_NOW = Coalesce(F("points_account__balance"), Value(0))


def condition_fields(*, properties: list[CustomProperty] | None = None) -> dict[str, ConditionField]:
    """Every field a condition may name, for the current retailer, in the builder's order."""
    properties = property_list(include_archived=False) if properties is None else properties
    person, figures, activity, loyalty, own = (
        _("Customer"),
        _("Purchase figures"),
        _("Purchases and returns"),
        _("Loyalty"),
        _("Custom properties"),
    )
    statuses = tuple((code, str(label)) for code, label in CustomerStatus.choices if code != CustomerStatus.ARCHIVED)
    groups = tuple((str(pk), name) for pk, name in group_choices())
    product_groups = ((ANY_PRODUCT, str(_("any product group"))),) + tuple(
        (str(pk), name) for pk, name in product_group_choices()
    )
    stores = tuple((str(pk), name) for pk, name in Store.objects.order_by("name").values_list("pk", "name"))
    card_types = tuple((str(pk), name) for pk, name in CardType.objects.order_by("name").values_list("pk", "name"))
    languages = tuple((code, str(name)) for code, name in settings.LANGUAGES)
    months = tuple((str(number), str(name)) for number, name in MONTHS.items())
    fields = [
        ConditionField("status", _("Status"), person, Kind.CHOICE, _choice("status"), choices=statuses),
        ConditionField("group", _("Group (with sub-groups)"), person, Kind.CHOICE, _group, choices=groups),
        ConditionField("kind", _("Type"), person, Kind.CHOICE, _choice("kind"), choices=tuple(Customer.Kind.choices)),
        ConditionField(
            "gender", _("Gender"), person, Kind.CHOICE, _choice("gender"), choices=tuple(Customer.Gender.choices)
        ),
        ConditionField(
            "language", _("Language for communication"), person, Kind.CHOICE, _choice("language"), choices=languages
        ),
        ConditionField(
            "email_consent",
            _("Consents to e-mail marketing"),
            person,
            Kind.CHOICE,
            _yes_no("email_consent"),
            choices=_yes_no_choices(),
        ),
        ConditionField(
            "sms_consent",
            _("Consents to SMS marketing"),
            person,
            Kind.CHOICE,
            _yes_no("sms_consent"),
            choices=_yes_no_choices(),
        ),
        ConditionField("age", _("Age"), person, Kind.NUMBER, _age, unit=_("years"), bounds=(0, 150)),
        ConditionField(
            "birthday_month",
            _("Birthday month"),
            person,
            Kind.CHOICE,
            _choice("birth_date__month", to_value=int),
            choices=months,
        ),
        ConditionField("created", _("Created"), person, Kind.DATE, _compare("created_at__date")),
        ConditionField("purchase_count", _("Number of purchases"), figures, Kind.NUMBER, _compare("purchase_count")),
        ConditionField("purchase_total", _("Total amount"), figures, Kind.NUMBER, _compare("purchase_total")),
        ConditionField("average_receipt", _("Average receipt"), figures, Kind.NUMBER, _average),
        ConditionField("last_purchase", _("Last purchase"), figures, Kind.DATE, _compare("last_purchase_at__date")),
        ConditionField(
            "days_since_last",
            _("Days since the last purchase"),
            figures,
            Kind.NUMBER,
            _days_since("last_purchase_at"),
            unit=_("days"),
            bounds=(0, MAX_DAYS * 10),
        ),
        ConditionField(
            "days_since_first",
            _("Days since the first purchase"),
            figures,
            Kind.NUMBER,
            _days_since("first_purchase_at"),
            unit=_("days"),
            bounds=(0, MAX_DAYS * 10),
        ),
        ConditionField("year_spend", _("Spend in the last 12 months"), figures, Kind.NUMBER, _year_spend),
        ConditionField(
            "rfm_segment", _("Customer value (RFM)"), figures, Kind.CHOICE, _rfm, choices=tuple(RfmSegment.choices)
        ),
        ConditionField(
            "rfm_recency", _("RFM score: recency (1–5)"), figures, Kind.NUMBER, _rfm_score("recency"), bounds=(1, 5)
        ),
        ConditionField(
            "rfm_frequency",
            _("RFM score: frequency (1–5)"),
            figures,
            Kind.NUMBER,
            _rfm_score("frequency"),
            bounds=(1, 5),
        ),
        ConditionField(
            "rfm_monetary", _("RFM score: amount (1–5)"), figures, Kind.NUMBER, _rfm_score("monetary"), bounds=(1, 5)
        ),
        ConditionField("bought", _("Bought from"), activity, Kind.ACTIVITY, _bought, choices=product_groups),
        ConditionField(
            "bought_product", _("Bought the product (code or EAN)"), activity, Kind.PRODUCT, _bought_product
        ),
        ConditionField("bought_at", _("Bought at the store"), activity, Kind.ACTIVITY, _bought_at, choices=stores),
        ConditionField("returned", _("Returned goods"), activity, Kind.DAYS, _returned),
        ConditionField(
            "report_run",
            _("In the rows of a report"),
            activity,
            Kind.CHOICE,
            _report_run,
            choices=tuple(customer_report_runs()),
            accepts=report_run_exists,
        ),
        ConditionField("points_balance", _("Points balance"), loyalty, Kind.NUMBER, _points, unit=_("points")),
        ConditionField(
            "points_expiring",
            _("Points expiring in the next %(days)s days") % {"days": EXPIRING_DAYS},
            loyalty,
            Kind.NUMBER,
            _points_expiring,
            unit=_("points"),
        ),
        ConditionField("card_type", _("Type of an active card"), loyalty, Kind.CHOICE, _card_type, choices=card_types),
    ]
    for prop in properties:
        fields += _property_fields(prop, own)
    return {field.code: field for field in fields}
