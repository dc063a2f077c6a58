"""The till in the browser: a cashier's screen for shops whose till cannot call the API.

One page, keyboard- and scanner-first (a scanner types digits and Enter): find the customer (a
card, a phone, a name or a customer number), scan the products, let points, a gift card or a
coupon pay, register. The screen calls the services the API calls (one path for every sale) and
is idempotent the same way: each basket carries a client_id, so a double click, a reload or a
resent form registers the sale once. The terminal it works for is chosen once and kept in a
cookie on the device.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.money import ZERO
from crm.permissions import right_required
from customers.models import Customer, CustomerStatus
from customers.selectors.search import search_q
from customers.services.customers import customer_create
from loyalty.models import GiftEntry
from loyalty.selectors.card_lookup import card_by_number, till_customer_get
from loyalty.selectors.redemption import customer_redeemable, return_outcome, sale_outcome
from loyalty.services.gift import gift_load
from loyalty.services.gift_sale import GiftAtSale
from loyalty.services.sale_points import LoyaltyAtSale
from pos.forms import TillCustomerForm
from sales.models import Return, SalesDocument, Terminal
from sales.selectors.products import product_list
from sales.selectors.till import products_by_code, till_prices
from sales.services.sales import LineInput, ReturnLineInput, SaleSource, return_register, sale_register
from staff.roles import Right, perm

TERMINAL_COOKIE = "regulars_till_terminal"
MAX_MATCHES = 10
MAX_LINES = 200


@dataclass(frozen=True)
class BasketLine:
    code: str
    name: str
    quantity: Decimal
    price: Decimal
    list_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class Basket:
    lines: tuple[BasketLine, ...]
    total: Decimal
    problem: str
    # Products whose name or code holds what was typed, to pick from (no product had it as its code).
    choices: tuple = ()


def _terminal(request) -> Terminal | None:
    """The device's terminal (its cookie), when it is an active one of this retailer."""
    value = request.COOKIES.get(TERMINAL_COOKIE, "")
    if not value.isdigit():
        return None
    return Terminal.objects.select_related("store").filter(pk=int(value), is_active=True).first()


def _quantity(raw: str) -> Decimal | None:
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > 100000 or value.as_tuple().exponent < -3:
        return None
    return value


def _basket(customer: Customer | None, codes: list[str], quantities: list[str], *, add: str = "") -> Basket:
    """The basket of the posted lines (a code scanned again adds one), priced for the customer
    today; an unknown code is named and left out."""
    wanted: dict[str, Decimal] = {}
    problem = ""
    for code, raw in zip(codes, quantities, strict=False):
        quantity = _quantity(raw)
        if code and quantity is not None:
            wanted[code] = wanted.get(code, Decimal("0")) + quantity
        elif code:
            problem = _("Line %(code)s: give a quantity above 0, with at most three decimals.") % {"code": code}
    add = add.strip()
    choices: tuple = ()
    if add:
        found = products_by_code([add])
        if add in found:
            code = found[add].sku
            wanted[code] = wanted.get(code, Decimal("0")) + 1
        else:
            choices = tuple(product_list(query=add, is_active=True)[:MAX_MATCHES])
            if not choices:
                problem = _("No active product has the code or EAN “%(code)s”.") % {"code": add}
    if not wanted:
        return Basket((), ZERO, problem, choices)
    prices = till_prices(customer=customer, codes=list(wanted)[:MAX_LINES])
    lines = tuple(
        BasketLine(
            code=price.code,
            name=price.product.name,
            quantity=wanted[price.code],
            price=price.price,
            list_price=price.list_price,
            total=(price.price * wanted[price.code]).quantize(Decimal("0.01")),
        )
        for price in prices.prices
    )
    return Basket(lines, sum((line.total for line in lines), ZERO), problem, choices)


def _customer(request) -> Customer | None:
    value = (request.POST.get("customer_id") or request.GET.get("customer_id") or "").strip()
    if not value.isdigit():
        return None
    return Customer.objects.exclude(status=CustomerStatus.ARCHIVED).filter(pk=int(value)).first()


def _panel(customer: Customer | None, basket: Basket) -> dict:
    if customer is None:
        return {"customer": None}
    shown = till_customer_get(customer_id=customer.pk)
    redeemable = customer_redeemable(customer=customer, total=basket.total) if basket.lines else None
    warnings = []
    if customer.status == CustomerStatus.CONTROL:
        warnings.append(_("Data to complete: the customer is in Control."))
    return {
        "customer": shown.customer,
        "points": shown.points_balance,
        "cards": shown.cards,
        "redeemable": redeemable,
        "warnings": warnings,
    }


def _context(request, *, terminal, customer=None, basket=None, **extra) -> dict:
    basket = basket or Basket((), ZERO, "")
    return {
        "terminal": terminal,
        "basket": basket,
        "client_id": request.POST.get("client_id") or uuid.uuid4().hex,
        **_panel(customer, basket),
        **extra,
    }


@right_required(Right.VIEW_CUSTOMERS)
def till_view(request):
    terminal = _terminal(request)
    if terminal is None:
        return redirect("till:terminal")
    return render(request, "pos/till.html", _context(request, terminal=terminal))


@right_required(Right.VIEW_CUSTOMERS)
def till_terminal_view(request):
    """Choose the terminal this device works for (kept in a cookie for a year)."""
    terminals = Terminal.objects.filter(is_active=True).select_related("store").order_by("store__name", "name")
    if request.method == "POST":
        chosen = (
            terminals.filter(pk=request.POST.get("terminal") or 0).first()
            if str(request.POST.get("terminal", "")).isdigit()
            else None
        )
        if chosen is not None:
            response = redirect("till:screen")
            response.set_cookie(
                TERMINAL_COOKIE, str(chosen.pk), max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
            )
            return response
        problem = _("Choose one of the tills listed.")
    else:
        problem = ""
    context = {"terminals": terminals, "current": _terminal(request), "problem": problem}
    return render(request, "pos/till_terminal.html", context)


def _find(request, terminal, basket_args):
    """The customer for a scanned card, a phone, a name or a customer number: one shown, several
    to pick from, or none and the minimal create form."""
    term = (request.POST.get("q") or "").strip()
    card_warning = ""
    card = card_by_number(number=term, on=timezone.localdate())
    matches: list[Customer] = []
    if card is not None:
        card_warning = card.refusal or ""
        if card.card.customer_id:
            matches = list(Customer.objects.exclude(status=CustomerStatus.ARCHIVED).filter(pk=card.card.customer_id))
    if not matches:
        matches = list(
            Customer.objects.filter(search_q(term))
            .exclude(status=CustomerStatus.ARCHIVED)
            .select_related("group")
            .order_by("last_name", "first_name", "pk")[: MAX_MATCHES + 1]
        )
    if len(matches) == 1:
        customer = matches[0]
        return _work(
            request, terminal, customer=customer, basket=_basket(customer, *basket_args), card_warning=card_warning
        )
    basket = _basket(None, *basket_args)
    if matches:
        return _work(
            request, terminal, basket=basket, matches=matches[:MAX_MATCHES], more=len(matches) > MAX_MATCHES, term=term
        )
    digits = term.lstrip("+").replace(" ", "")
    initial = {"phone": term} if digits.isdigit() else {"email": term} if "@" in term else {"last_name": term}
    form = TillCustomerForm(initial=initial, tenant=request.tenant)
    return _work(request, terminal, basket=basket, create_form=form, term=term, card_warning=card_warning)


def _create(request, terminal, basket_args, *, confirmed: bool):
    """The minimal customer (a name and a phone, in Control); a phone another customer has is
    named, with that customer offered instead."""
    basket = _basket(None, *basket_args)
    if not request.user.has_perm(perm(Right.CREATE_CUSTOMERS)):
        return _work(request, terminal, basket=basket, find_problem=_("You may not create customers."))
    form = TillCustomerForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        contact = Q(phone=form.cleaned_data["phone"])
        if form.cleaned_data["email"]:
            contact |= Q(email__iexact=form.cleaned_data["email"])
        owner = Customer.objects.exclude(status=CustomerStatus.ARCHIVED).filter(contact).first()
        if owner is not None and not confirmed:
            return _work(request, terminal, basket=basket, create_form=form, owner=owner)
        try:
            customer = customer_create(
                tenant=request.tenant,
                fields={**form.cleaned_data, "kind": Customer.Kind.PERSON},
                status=CustomerStatus.CONTROL,
                acting_user=request.user,
                source="till",
            )
        except ValidationError as error:
            for field, messages in _problems_by_field(error).items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return _work(request, terminal, customer=customer, basket=_basket(customer, *basket_args))
    return _work(request, terminal, basket=basket, create_form=form)


def _problems_by_field(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {None: error.messages}


def _amount(raw: str) -> Decimal | None:
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal("-1")
    return value if value.is_finite() else Decimal("-1")


def _page(request, partial: str, context: dict):
    """The screen's answer: the part htmx swaps in, or the whole page when the browser posted the
    form itself (before its scripts had loaded, say)."""
    if request.htmx:
        return render(request, partial, context)
    return render(request, "pos/till.html", {**context, "partial": partial})


def _done(request, terminal, sale, *, again: bool, outcome=None):
    context = {"terminal": terminal, "outcome": outcome or sale_outcome(sale=sale), "again": again}
    return _page(request, "pos/_till_done.html", context)


def _register(request, terminal, customer, basket):
    """Register the basket once (its client_id): a second submit shows the sale already made."""
    client_id = (request.POST.get("client_id") or "")[:64]
    existing = SalesDocument.objects.filter(terminal=terminal, client_id=client_id).first() if client_id else None
    if existing is not None:
        return _done(request, terminal, existing, again=True)
    problems = []
    if not basket.lines:
        problems.append(_("Scan at least one product."))
    points = (request.POST.get("points") or "").strip()
    if points and not points.isdigit():
        problems.append(_("Points are a whole number."))
    gift_card = (request.POST.get("gift_card") or "").strip()
    gift_amount = _amount(request.POST.get("gift_amount", ""))
    if gift_card and (gift_amount is None or gift_amount <= 0):
        problems.append(_("Say how much the gift card pays."))
    if problems or basket.problem:
        return _work(request, terminal, customer=customer, basket=basket, sale_problems=problems)
    loyalty = LoyaltyAtSale(card_number=(request.POST.get("coupon") or "").strip(), points_to_redeem=int(points or 0))
    gift = GiftAtSale(number=gift_card, amount=gift_amount or ZERO)
    try:
        with transaction.atomic():
            sale = sale_register(
                store=terminal.store,
                terminal=terminal,
                client_id=client_id,
                customer=customer,
                acting_user=request.user,
                lines=[LineInput(product=line.code, quantity=line.quantity) for line in basket.lines],
                source=SaleSource.TILL,
                extensions=[loyalty, gift],
            )
    except ValidationError as error:
        messages = error.messages
        return _work(request, terminal, customer=customer, basket=basket, sale_problems=messages)
    except IntegrityError:
        # The same basket sent twice at once: the other request registered it.
        return _done(
            request, terminal, get_object_or_404(SalesDocument, terminal=terminal, client_id=client_id), again=True
        )
    outcome = sale_outcome(sale=sale, moved=loyalty.moved, gift_entry=gift.entry)
    return _done(request, terminal, sale, again=False, outcome=outcome)


def _work(request, terminal, **values):
    return _page(request, "pos/_till_work.html", _context(request, terminal=terminal, **values))


@require_POST
@right_required(Right.VIEW_CUSTOMERS)
def till_work_view(request):
    """Everything the screen posts: the button pressed (`action`; Enter in a field is "enter")
    says what to do, the form carries the basket."""
    terminal = _terminal(request)
    if terminal is None:
        raise Http404
    action = request.POST.get("action", "enter")
    codes, quantities = request.POST.getlist("code"), request.POST.getlist("qty")
    if action.startswith("remove:"):
        removed = action.split(":", 1)[1]
        kept = [(code, quantity) for code, quantity in zip(codes, quantities, strict=False) if code != removed]
        codes, quantities = [code for code, _q in kept], [quantity for _c, quantity in kept]
    basket_args = (codes, quantities)
    customer = _customer(request)
    if action.startswith(("pick:", "use:")):
        picked = action.split(":", 1)[1]
        customer = (
            Customer.objects.exclude(status=CustomerStatus.ARCHIVED).filter(pk=int(picked)).first()
            if picked.isdigit()
            else None
        )
        return _work(request, terminal, customer=customer, basket=_basket(customer, *basket_args))
    if action == "anonymous":
        return _work(request, terminal, basket=_basket(None, *basket_args), anonymous=True)
    if action == "change_customer":
        return _work(request, terminal, basket=_basket(None, *basket_args))
    if action in ("create", "create_anyway"):
        return _create(request, terminal, basket_args, confirmed=action == "create_anyway")
    if (
        action == "enter"
        and customer is None
        and request.POST.get("anonymous") != "1"
        and request.POST.get("q", "").strip()
    ):
        return _find(request, terminal, basket_args)
    scanned = request.POST.get("scan", "") if action == "enter" else ""
    if action.startswith("add:"):
        scanned = action.split(":", 1)[1]
    basket = _basket(customer, *basket_args, add=scanned)
    if action == "register":
        return _register(request, terminal, customer, basket)
    return _work(request, terminal, customer=customer, basket=basket, anonymous=request.POST.get("anonymous") == "1")


@right_required(Right.VIEW_CUSTOMERS)
def till_receipt_view(request, sale_id: int):
    """The receipt, laid out for an 80 mm receipt printer."""
    sale = get_object_or_404(SalesDocument.objects.select_related("store", "customer", "terminal"), pk=sale_id)
    return render(request, "pos/till_receipt.html", {"outcome": sale_outcome(sale=sale)})


RECENT_RECEIPTS = 10


def _sale_found(term: str) -> SalesDocument | None:
    """A purchase by its receipt number, or by its id typed as "#1234"."""
    term = term.strip()
    if not term:
        return None
    purchases = SalesDocument.objects.purchases().select_related("customer", "store")
    if term.startswith("#") and term[1:].isdigit():
        return purchases.filter(pk=int(term[1:])).first()
    return purchases.filter(number=term).order_by("-occurred_at", "-pk").first()


@right_required(Right.VIEW_CUSTOMERS)
def till_returns_view(request):
    """Take goods back: the receipt scanned (its number) or picked from the customer's recent
    ones, the lines and quantities chosen, registered once (a client_id per form); points and a
    gift card's payment go back as on every other path."""
    terminal = _terminal(request)
    if terminal is None:
        return redirect("till:terminal")
    data = request.POST if request.method == "POST" else request.GET
    sale = None
    problem = ""
    if data.get("sale", "").isdigit():
        sale = (
            SalesDocument.objects.purchases().select_related("customer", "store").filter(pk=int(data["sale"])).first()
        )
    elif data.get("receipt"):
        sale = _sale_found(data["receipt"])
        if sale is None:
            problem = _("No receipt with the number “%(number)s”.") % {"number": data["receipt"].strip()}
    recent = []
    customer = _customer(request)
    if customer is not None and sale is None:
        recent = list(
            SalesDocument.objects.purchases()
            .filter(customer=customer)
            .order_by("-occurred_at", "-pk")[:RECENT_RECEIPTS]
        )
    lines = list(sale.lines.select_related("product").order_by("pk")) if sale else []
    context = {
        "terminal": terminal,
        "sale": sale,
        "lines": lines,
        "recent": recent,
        "problem": problem,
        "client_id": data.get("client_id") or uuid.uuid4().hex,
    }
    if request.method == "POST" and sale is not None and data.get("action") == "return":
        return _return_register(request, terminal, sale, lines, context)
    return render(request, "pos/till_returns.html", context)


def _return_register(request, terminal, sale, lines, context):
    client_id = (request.POST.get("client_id") or "")[:64]
    existing = Return.objects.filter(terminal=terminal, client_id=client_id).first() if client_id else None
    if existing is not None:
        return render(
            request,
            "pos/till_returns.html",
            {**context, "outcome": return_outcome(return_document=existing), "again": True},
        )
    chosen, problems = [], []
    for line in lines:
        raw = (request.POST.get(f"line_{line.pk}") or "").strip()
        if not raw or raw == "0":
            continue
        quantity = _quantity(raw)
        if quantity is None:
            problems.append(
                _("%(product)s: give a quantity above 0, with at most three decimals.") % {"product": line.product.name}
            )
        else:
            chosen.append(ReturnLineInput(sale_line_id=line.pk, quantity=quantity))
    if not chosen and not problems:
        problems.append(_("Give the quantity to take back of at least one line."))
    if not problems:
        try:
            with transaction.atomic():
                document = return_register(
                    sale=sale,
                    lines=chosen,
                    store=terminal.store,
                    terminal=terminal,
                    acting_user=request.user,
                    client_id=client_id,
                    source=SaleSource.TILL,
                )
        except ValidationError as error:
            problems = error.messages
        except IntegrityError:
            document = get_object_or_404(Return, terminal=terminal, client_id=client_id)
            return render(
                request,
                "pos/till_returns.html",
                {**context, "outcome": return_outcome(return_document=document), "again": True},
            )
        else:
            return render(
                request,
                "pos/till_returns.html",
                {**context, "outcome": return_outcome(return_document=document), "again": False},
            )
    return render(request, "pos/till_returns.html", {**context, "return_problems": problems})


@right_required(Right.VIEW_CUSTOMERS)
def till_gift_load_view(request):
    """Load money on a gift card at the counter (the money taken in by the till): once per form
    (a client_id), no points, no purchase."""
    terminal = _terminal(request)
    if terminal is None:
        return redirect("till:terminal")
    data = request.POST if request.method == "POST" else request.GET
    context = {"terminal": terminal, "client_id": data.get("client_id") or uuid.uuid4().hex, "number": "", "amount": ""}
    if request.method == "POST":
        number, raw = (data.get("number") or "").strip(), (data.get("amount") or "").strip()
        context.update(number=number, amount=raw)
        client_id = (data.get("client_id") or "")[:64]
        done = GiftEntry.objects.filter(terminal=terminal, once_key=f"load:{client_id}").select_related("card").first()
        if done is not None:
            return render(request, "pos/till_gift_load.html", {**context, "entry": done, "again": True})
        amount = _amount(raw)
        try:
            entry = gift_load(
                number=number,
                amount=amount if amount is not None else Decimal("0"),
                terminal=terminal,
                acting_user=request.user,
                once_key=f"load:{client_id}",
            )
        except ValidationError as error:
            problems = error.messages
            return render(request, "pos/till_gift_load.html", {**context, "problems": problems})
        except IntegrityError:
            entry = (
                GiftEntry.objects.filter(terminal=terminal, once_key=f"load:{client_id}").select_related("card").get()
            )
            return render(request, "pos/till_gift_load.html", {**context, "entry": entry, "again": True})
        return render(request, "pos/till_gift_load.html", {**context, "entry": entry, "again": False})
    return render(request, "pos/till_gift_load.html", context)
