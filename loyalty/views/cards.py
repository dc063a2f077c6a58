"""Settings → Cards (card types, batches, print sheets, the cards list) and the card actions on a
customer's Marketing instruments tab.

The card actions are htmx posts that answer with the tab, the service's refusal shown beside the
field that caused it; without JavaScript the same posts redirect back to the tab with a message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from customers.models import Customer
from loyalty.barcodes import barcode_svg
from loyalty.filters import CardFilter
from loyalty.forms.cards import CardAssignForm, CardBatchForm, CardReasonForm, CardReplaceForm, CardTypeForm
from loyalty.models import Card, CardBatch, CardType
from loyalty.selectors.cards import (
    batch_sheet_page,
    card_list,
    card_type_batches,
    card_type_list,
    customer_cards,
    gift_entries,
)
from loyalty.selectors.events import loyalty_event_page
from loyalty.services.card_types import card_type_create, card_type_update
from loyalty.services.cards import card_assign, card_batch_generate, card_block, card_remove, card_replace, card_unblock
from sales.views.common import form_errors_apply
from staff.roles import Right

PAGE_SIZE = 50
TAB_TEMPLATE = "loyalty/cards/_tab_cards.html"


def _with_barcodes(cards) -> list:
    """Each card with its barcode as inline SVG (our own writer's output, no user markup in it)."""
    for card in cards:
        card.barcode = mark_safe(barcode_svg(number=card.number, symbology=card.card_type.symbology))  # noqa: S308
    return cards


# --- Settings → Cards -------------------------------------------------------------------------


@right_required(Right.MANAGE_SETTINGS)
def card_type_list_view(request):
    return render(request, "loyalty/cards/card_type_list.html", {"card_types": card_type_list()})


def _card_type_page(request, card_type: CardType, *, form=None, batch_form=None):
    context = {
        "card_type": card_type,
        "title": card_type.name,
        "form": form or CardTypeForm(initial=CardTypeForm.initial_for(card_type)),
        "batch_form": batch_form or CardBatchForm(),
        "batches": card_type_batches(card_type=card_type),
        "history": loyalty_event_page(card_type=card_type),
    }
    return render(request, "loyalty/cards/card_type_form.html", context)


@right_required(Right.MANAGE_SETTINGS)
def card_type_form_view(request, card_type_id: int | None = None):
    card_type = get_object_or_404(CardType, pk=card_type_id) if card_type_id else None
    initial = CardTypeForm.initial_for(card_type) if card_type else None
    form = CardTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if card_type is None:
                card_type = card_type_create(**form.cleaned_data, acting_user=request.user)
            else:
                card_type = card_type_update(card_type=card_type, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Card type “%(name)s” saved.") % {"name": card_type.name})
            return redirect("loyalty:card_type_edit", card_type_id=card_type.pk)
    if card_type is None:
        return render(request, "loyalty/cards/card_type_form.html", {"form": form, "title": _("New card type")})
    return _card_type_page(request, card_type, form=form)


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def card_batch_create_view(request, card_type_id: int):
    card_type = get_object_or_404(CardType, pk=card_type_id)
    form = CardBatchForm(request.POST)
    if form.is_valid():
        try:
            batch = card_batch_generate(
                card_type=card_type, quantity=form.cleaned_data["quantity"], acting_user=request.user
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(
                request,
                _("%(count)s cards made: %(first)s … %(last)s.")
                % {"count": batch.quantity, "first": batch.first_number, "last": batch.last_number},
            )
            return redirect("loyalty:card_type_edit", card_type_id=card_type.pk)
    return _card_type_page(request, card_type, batch_form=form)


@right_required(Right.MANAGE_SETTINGS)
def card_batch_sheet_view(request, batch_id: int):
    batch = get_object_or_404(CardBatch.objects.select_related("card_type"), pk=batch_id)
    page = batch_sheet_page(batch=batch, page=request.GET.get("page"))
    for card in page.object_list:
        card.card_type = batch.card_type
    _with_barcodes(page.object_list)
    return render(request, "loyalty/cards/card_batch_sheet.html", {"batch": batch, "page": page})


@right_required(Right.MANAGE_SETTINGS)
def card_sheet_view(request, card_id: int):
    card = get_object_or_404(Card.objects.select_related("card_type", "customer"), pk=card_id)
    _with_barcodes([card])
    entries = gift_entries(card) if card.card_type.kind == CardType.Kind.GIFT else []
    return render(request, "loyalty/cards/card_sheet.html", {"card": card, "gift_entries": entries})


@right_required(Right.MANAGE_SETTINGS)
def card_list_view(request):
    filters = CardFilter(request.GET or None, queryset=Card.objects.all())
    page = Paginator(card_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "loyalty/cards/card_list.html#results" if request.htmx else "loyalty/cards/card_list.html"
    return render(request, template, {"filters": filters, "page": page})


# --- the customer card's Marketing instruments tab --------------------------------------------


def _action_forms(card: Card) -> None:
    card.replace_form = CardReplaceForm(auto_id=f"id_card{card.pk}_replace_%s")
    card.block_form = CardReasonForm(auto_id=f"id_card{card.pk}_block_%s")
    card.remove_form = CardReasonForm(auto_id=f"id_card{card.pk}_remove_%s")
    card.open_action = ""


def customer_cards_tab_context(customer, *, page=None, failed: tuple | None = None) -> dict:
    """The tab's context (registered as its provider): current and former cards, their history and
    the action forms; `failed` is (card id or None, action, bound form) of a refused action, shown
    open with its errors (or above the lists when the card is no longer a current one)."""
    cards = customer_cards(customer=customer, page=page)
    assign_form = CardAssignForm()
    action_error = ""
    for card in cards.current:
        _action_forms(card)
    if failed is not None:
        card_id, action, form = failed
        if action == "add":
            # Shown empty (every refusal names the number), so that the next scan is not typed
            # after the refused one.
            assign_form = CardAssignForm({"number": ""})
            assign_form.is_valid()
            for field, errors in form.errors.items():
                assign_form.add_error(field, errors)
        else:
            card = next((card for card in cards.current if card.pk == card_id), None)
            if card is None:
                action_error = " ".join(message for errors in form.errors.values() for message in errors)
            else:
                setattr(card, f"{action}_form", form)
                card.open_action = action
                # The cursor goes to the refused form's first field, not to the new card's.
                assign_form.fields["number"].widget.attrs.pop("autofocus", None)
                next(iter(form.fields.values())).widget.attrs["autofocus"] = True
    return {
        "current_cards": cards.current,
        "former_cards": cards.former,
        "card_events_page": cards.events_page,
        "assign_form": assign_form,
        "action_error": action_error,
    }


def _tab_response(request, customer: Customer, *, notice: str = "", failed: tuple | None = None):
    if not request.htmx:
        if failed is not None:
            messages.error(request, " ".join(message for errors in failed[2].errors.values() for message in errors))
        else:
            messages.success(request, notice)
        return redirect("customers:customer_detail_tab", customer_id=customer.pk, tab="cards")
    context = {"customer": customer, "notice": notice, **customer_cards_tab_context(customer, failed=failed)}
    return render(request, TAB_TEMPLATE, context)


def _refused(form, error: ValidationError, *, field: str) -> None:
    """The service's message beside `field`: the action's form has that one input a person can
    correct, so a message for no field (or another one) goes there too."""
    if hasattr(error, "error_dict"):
        for name, field_messages in error.message_dict.items():
            form.add_error(name if name in form.fields else field, field_messages)
    else:
        form.add_error(field, error.messages)


def _card_action(request, customer: Customer, *, form, action: str, card_id, field: str, run, notice):
    """Run `run(cleaned_data)` (a service call) and answer with the tab: `notice(result)` on success,
    the form open with the refusal beside `field` otherwise."""
    if form.is_valid():
        try:
            result = run(form.cleaned_data)
        except ValidationError as error:
            _refused(form, error, field=field)
        else:
            return _tab_response(request, customer, notice=notice(result))
    return _tab_response(request, customer, failed=(card_id, action, form))


def _customers_card(customer_id: int, card_id: int) -> tuple[Customer, Card]:
    """The customer and one of the customer's cards, current or former (the service refuses an
    action the card's status does not allow, and says why)."""
    customer = get_object_or_404(Customer, pk=customer_id)
    return customer, get_object_or_404(Card, pk=card_id, customer=customer)


@require_POST
@right_required(Right.MANAGE_CARDS)
def customer_card_add_view(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    return _card_action(
        request,
        customer,
        form=CardAssignForm(request.POST),
        action="add",
        card_id=None,
        field="number",
        run=lambda data: card_assign(customer=customer, number=data["number"], acting_user=request.user),
        notice=lambda card: _("Card %(number)s added.") % {"number": card.number},
    )


@require_POST
@right_required(Right.MANAGE_CARDS)
def customer_card_replace_view(request, customer_id: int, card_id: int):
    customer, card = _customers_card(customer_id, card_id)
    return _card_action(
        request,
        customer,
        form=CardReplaceForm(request.POST, auto_id=f"id_card{card.pk}_replace_%s"),
        action="replace",
        card_id=card.pk,
        field="number",
        run=lambda data: card_replace(
            card=card, number=data["number"], reason=data["reason"], acting_user=request.user
        ),
        notice=lambda new: _("Card %(old)s replaced by %(new)s.") % {"old": card.number, "new": new.number},
    )


@require_POST
@right_required(Right.MANAGE_CARDS)
def customer_card_block_view(request, customer_id: int, card_id: int):
    customer, card = _customers_card(customer_id, card_id)
    return _card_action(
        request,
        customer,
        form=CardReasonForm(request.POST, auto_id=f"id_card{card.pk}_block_%s"),
        action="block",
        card_id=card.pk,
        field="reason",
        run=lambda data: card_block(card=card, reason=data["reason"], acting_user=request.user),
        notice=lambda blocked: _("Card %(number)s blocked.") % {"number": blocked.number},
    )


@require_POST
@right_required(Right.MANAGE_CARDS)
def customer_card_unblock_view(request, customer_id: int, card_id: int):
    customer, card = _customers_card(customer_id, card_id)
    return _card_action(
        request,
        customer,
        form=CardReasonForm({}, auto_id=f"id_card{card.pk}_block_%s"),
        action="block",
        card_id=card.pk,
        field="reason",
        run=lambda data: card_unblock(card=card, acting_user=request.user),
        notice=lambda unblocked: _("Card %(number)s unblocked.") % {"number": unblocked.number},
    )


@require_POST
@right_required(Right.MANAGE_CARDS)
def customer_card_remove_view(request, customer_id: int, card_id: int):
    customer, card = _customers_card(customer_id, card_id)
    return _card_action(
        request,
        customer,
        form=CardReasonForm(request.POST, auto_id=f"id_card{card.pk}_remove_%s"),
        action="remove",
        card_id=card.pk,
        field="reason",
        run=lambda data: card_remove(card=card, reason=data["reason"], acting_user=request.user),
        notice=lambda removed: _("Card %(number)s removed.") % {"number": removed.number},
    )
