"""Which points a basket earns, and why: the programme's rate, the tier, and the rules.

A read that writes nothing. One function, `points_quote`, answers for the till's sale, the back
office, the history import and the "try it" panel alike (`basket_preview`, below), so the panel
shows exactly what a sale would earn.

Per line: base = line amount (less its share of what points paid) × points per currency unit ×
the customer's tier multiplier. The most specific active rule whose conditions hold then applies:
a rule naming the product, else one naming the product's group or its nearest ancestor, else a
rule for every product. A multiplier rule multiplies the base, a fixed rule gives its points per
item instead, an excluding rule gives nothing. Line points stay unrounded; the receipt's total is
rounded once, by the programme's rounding.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.money import CENT
from crm.tenant_config import config_cached
from crm.tree import tree_ancestor_ids
from customers.models import Customer
from loyalty.formatting import plain
from loyalty.models import EarningRule, Programme, Tier
from loyalty.selectors.programme import programme_read
from sales.models import Product, SalesDocument, Store
from sales.selectors.pricing import customer_prices, pricing_config

ROUNDING = {
    Programme.Rounding.DOWN: ROUND_FLOOR,
    Programme.Rounding.HALF_UP: ROUND_HALF_UP,
    Programme.Rounding.UP: ROUND_CEILING,
}
LINE_PRECISION = Decimal("0.0001")


@dataclass(frozen=True)
class BasketLine:
    product: Product
    quantity: Decimal
    amount: Decimal


@dataclass
class LineQuote:
    product: Product
    quantity: Decimal
    amount: Decimal
    base: Decimal
    points: Decimal
    rule: EarningRule | None
    explanation: str


@dataclass
class Quote:
    lines: list[LineQuote] = field(default_factory=list)
    total: int = 0
    tier: Tier | None = None
    reason: str = ""

    @property
    def earns(self) -> bool:
        return self.total > 0


def points_round(value: Decimal, *, programme: Programme) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUNDING[programme.rounding]))


def customer_tier(*, customer: Customer, today: datetime.date, before: datetime.datetime | None = None) -> Tier | None:
    """The highest tier the customer's spend over the last 12 months reaches (sales less
    returns), or None. With `before`, only sales before that moment count: a sale earns by the
    tier its customer had before it, so the sale being registered (already written when its
    points are computed) does not lift itself into a tier, and the "try it" panel, which writes
    no sale, shows the same tier."""
    tiers = earning_config().tiers
    if not tiers:
        return None
    since = today - datetime.timedelta(days=365)
    sales = SalesDocument.objects.purchases().filter(
        customer=customer,
        occurred_at__date__gt=since,
        occurred_at__date__lte=today,
    )
    if before is not None:
        sales = sales.filter(occurred_at__lt=before)
    spend = sales.aggregate(total=Sum("total"), returned=Sum("returned_total"))
    amount = (spend["total"] or Decimal("0")) - (spend["returned"] or Decimal("0"))
    return next((tier for tier in tiers if amount >= tier.min_spend), None)


def _group_ancestry(group_ids: set[int], parents: dict[int, int | None]) -> dict[int, list[int]]:
    """For each group, itself and its ancestors, nearest first."""
    return {group_id: tree_ancestor_ids(parents, group_id) for group_id in group_ids}


@dataclass(frozen=True)
class EarningConfig:
    """Everything a basket's points depend on but the basket and the customer: the programme,
    its active rules (with their stores and customer groups), the groups that earn nothing, the
    tiers (highest first) and both group trees. Kept per retailer by `crm.tenant_config`
    (rebuilt after any change of those tables); read-only."""

    programme: Programme
    rules: tuple[EarningRule, ...]
    excluded_groups: frozenset[int]
    tiers: tuple[Tier, ...]
    customer_group_parents: dict[int, int | None]
    product_group_parents: dict[int, int | None]


def _earning_config_build() -> EarningConfig:
    pricing = pricing_config()
    programme = programme_read()
    rules = tuple(
        EarningRule.objects.filter(is_active=True).annotate(
            store_ids=ArrayAgg("stores__id", distinct=True, filter=Q(stores__isnull=False), default=Value([])),
            customer_group_ids=ArrayAgg(
                "customer_groups__id", distinct=True, filter=Q(customer_groups__isnull=False), default=Value([])
            ),
        )
    )
    excluded = frozenset(programme.no_earning_groups.values_list("pk", flat=True))
    return EarningConfig(
        programme=programme,
        rules=rules,
        excluded_groups=excluded,
        tiers=tuple(Tier.objects.order_by("-min_spend")),
        # The trees as the prices read them (the same version, one copy of each).
        customer_group_parents=pricing.customer_group_parents,
        product_group_parents=pricing.product_group_parents,
    )


def earning_config() -> EarningConfig:
    return config_cached("loyalty.earning", _earning_config_build)


def _rule_condition_failure(
    rule: EarningRule, *, store: Store | None, groups: set[int], when: datetime.datetime, receipt_total: Decimal
) -> str | None:
    """Why the rule does not apply to this receipt, or None when it does."""
    day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    if rule.valid_from and day < rule.valid_from:
        return _("starts on %(day)s") % {"day": rule.valid_from.isoformat()}
    if rule.valid_until and day > rule.valid_until:
        return _("ended on %(day)s") % {"day": rule.valid_until.isoformat()}
    if rule.weekdays and day.isoweekday() not in rule.weekdays:
        return _("not on this day of the week")
    if rule.min_receipt_amount is not None and receipt_total < rule.min_receipt_amount:
        return _("receipt below %(amount)s") % {"amount": rule.min_receipt_amount}
    rule_stores = set(rule.store_ids)
    if rule_stores and (store is None or store.pk not in rule_stores):
        return _("not at this store")
    rule_groups = set(rule.customer_group_ids)
    if rule_groups and not rule_groups & groups:
        return _("not for the customer's group")
    return None


def points_quote(
    *,
    customer: Customer | None,
    store: Store | None,
    lines: list[BasketLine],
    when: datetime.datetime | None = None,
    redeemed_value: Decimal = Decimal("0"),
    programme: Programme | None = None,
) -> Quote:
    """The points the basket earns for the customer, line by line, with the reason of each."""
    config = earning_config()
    programme = programme or config.programme
    when = when or timezone.now()
    quote = Quote()
    if customer is None:
        quote.reason = _("No customer: a sale earns points only for a known customer.")
        return quote
    if not programme.is_enabled:
        quote.reason = _("The loyalty programme is switched off.")
        return quote
    rules = config.rules
    customer_groups = (
        set(tree_ancestor_ids(config.customer_group_parents, customer.group_id)) if customer.group_id else set()
    )
    if customer_groups & config.excluded_groups:
        quote.reason = _("The customer's group earns no points.")
        return quote
    day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    multiplier = Decimal("1")
    if programme.tiers_enabled:
        quote.tier = customer_tier(customer=customer, today=day, before=when)
        if quote.tier is not None:
            multiplier = quote.tier.multiplier
    receipt_total = sum((line.amount for line in lines), Decimal("0"))
    paid_share = Decimal("1")
    if redeemed_value and receipt_total > 0:
        paid_share = max(Decimal("0"), (receipt_total - redeemed_value) / receipt_total)
    failures = {
        rule.pk: _rule_condition_failure(
            rule, store=store, groups=customer_groups, when=when, receipt_total=receipt_total
        )
        for rule in rules
    }
    needs_product_groups = any(rule.product_group_id for rule in rules)
    ancestry = (
        _group_ancestry(
            {line.product.group_id for line in lines if line.product.group_id}, config.product_group_parents
        )
        if needs_product_groups
        else {}
    )
    for line in lines:
        base = line.amount * paid_share * programme.points_per_unit * multiplier
        chosen, explanation = None, ""
        candidates = [rule for rule in rules if rule.product_id == line.product.pk]
        for group_id in ancestry.get(line.product.group_id, []):
            candidates += [rule for rule in rules if rule.product_group_id == group_id]
        candidates += [rule for rule in rules if rule.product_id is None and rule.product_group_id is None]
        skipped = []
        for rule in candidates:
            failure = failures[rule.pk]
            if failure is None:
                chosen = rule
                break
            skipped.append(f"{rule.name}: {failure}")
        if chosen is None:
            points = base
            explanation = _("%(rate)s points per unit") % {"rate": plain(programme.points_per_unit)}
        elif chosen.kind == EarningRule.Kind.MULTIPLIER:
            points = base * chosen.multiplier
            explanation = _("%(rule)s: × %(multiplier)s") % {
                "rule": chosen.name,
                "multiplier": plain(chosen.multiplier),
            }
        elif chosen.kind == EarningRule.Kind.FIXED:
            points = Decimal(chosen.fixed_points) * line.quantity * paid_share
            explanation = _("%(rule)s: %(points)s points per item") % {
                "rule": chosen.name,
                "points": chosen.fixed_points,
            }
        else:
            points = Decimal("0")
            explanation = _("%(rule)s: earns nothing") % {"rule": chosen.name}
        if quote.tier is not None and (chosen is None or chosen.kind == EarningRule.Kind.MULTIPLIER):
            explanation += " · " + _("tier %(tier)s × %(multiplier)s") % {
                "tier": quote.tier.name,
                "multiplier": plain(quote.tier.multiplier),
            }
        if skipped:
            explanation += " (" + "; ".join(skipped) + ")"
        quote.lines.append(
            LineQuote(
                product=line.product,
                quantity=line.quantity,
                amount=line.amount,
                base=base.quantize(LINE_PRECISION),
                points=max(points, Decimal("0")).quantize(LINE_PRECISION),
                rule=chosen,
                explanation=explanation,
            )
        )
    quote.total = points_round(sum((line.points for line in quote.lines), Decimal("0")), programme=programme)
    return quote


@dataclass(frozen=True)
class BasketRow:
    """A line of the panel's basket: a product, its quantity and, if given, the price paid."""

    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None


@dataclass
class PreviewLine:
    product: Product
    quantity: Decimal
    unit_price: Decimal
    price_list: str
    is_price_typed: bool
    amount: Decimal
    # None when the whole basket earns nothing for a reason of its own (see Preview.quote.reason).
    quote: LineQuote | None


@dataclass
class Preview:
    lines: list[PreviewLine]
    quote: Quote
    programme: Programme
    receipt_total: Decimal
    unrounded_total: Decimal


def basket_preview(
    *, customer: Customer | None, store: Store | None, when: datetime.datetime, rows: list[BasketRow]
) -> Preview:
    """What a sale of `rows` to `customer` at `store` at `when` would earn, line by line with the
    rule applied and why. Each line's amount is what sale_register would charge: the price given,
    else the customer's price that day (price list included). Writes nothing."""
    programme = programme_read()
    prices = customer_prices(
        customer=customer,
        products=list({row.product.pk: row.product for row in rows}.values()),
        today=when.date(),
    )
    priced = []
    for row in rows:
        price = prices[row.product.pk]
        unit_price = price.price if row.unit_price is None else row.unit_price
        amount = (unit_price * row.quantity).quantize(CENT)
        priced.append((row, unit_price, price.price_list if row.unit_price is None else "", amount))
    quote = points_quote(
        customer=customer,
        store=store,
        lines=[
            BasketLine(product=row.product, quantity=row.quantity, amount=amount)
            for row, _unit_price, _price_list, amount in priced
        ],
        when=when,
        programme=programme,
    )
    line_quotes = quote.lines or [None] * len(priced)
    lines = [
        PreviewLine(
            product=row.product,
            quantity=row.quantity,
            unit_price=unit_price,
            price_list=price_list,
            is_price_typed=row.unit_price is not None,
            amount=amount,
            quote=line_quote,
        )
        for (row, unit_price, price_list, amount), line_quote in zip(priced, line_quotes, strict=True)
    ]
    return Preview(
        lines=lines,
        quote=quote,
        programme=programme,
        receipt_total=sum((line.amount for line in lines), Decimal("0")),
        unrounded_total=sum((line.quote.points for line in lines if line.quote), Decimal("0")),
    )
