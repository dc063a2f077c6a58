"""Merging two customer records that are the same person or business into one.

Merging lives in the customers app, but later apps own rows that point at a customer (sales,
loyalty cards, the points ledger). Each such app registers a step in its AppConfig.ready():

    merge_steps.register(sales_merge_step)

A step is called as `step(keep, remove)` inside the merge's transaction, after both customers
are locked and the customers app has moved its own rows, before `remove` is deleted; it moves
the app's rows from `remove` to `keep` (and may update `keep`'s figures with F() expressions).
Steps run in the order they were registered. A step that raises rolls the whole merge back.

An explicit list rather than Django signals: every step is named in one place and their order
is fixed (see ARCHITECTURE.md, "Imports run one way").
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.registry import Registry
from customers.models import ConsentEvent, Customer, CustomerEvent, CustomerNote, ImportRow
from customers.selectors.duplicates import customer_merge_outcome, customer_merge_refusal
from customers.services.customers import history_value
from staff.models import User

SOURCE = "merge"

MergeStep = Callable[[Customer, Customer], None]

merge_steps: Registry[MergeStep] = Registry("customer merge steps")


@transaction.atomic
def customer_merge(*, tenant, keep: Customer, remove: Customer, acting_user: User | None) -> Customer:
    """Merge `remove` into `keep` and delete `remove`; returns the kept customer as stored.

    Both rows are locked in primary-key order first. Refused, with nothing changed, when both
    are the same customer, when one is a private person and the other a business, or when one
    of them no longer exists.

    On `keep` (see `customer_merge_outcome` for the rules):
    - every empty field, and every custom property value it lacks, is taken from `remove` (the
      customer number too: keep's own number stays when both have one);
    - purchase figures add up (count and total summed, earliest first and latest last purchase);
    - keep's own marketing consent stays; where it has none and `remove` gave consent, keep takes
      it (unless keep withdrew it later than that consent was given);
    - the status becomes the more active of the two, Introduced > Control > Archived: an archived
      record merged with an active one is active afterwards. This never adds an active customer
      (two active records become one, an archived and an active one stay one active), so the
      plan's limit is not checked. A record that would become Introduced but misses required
      data becomes Control.

    Each changed field is written to keep's history (source "merge"). Remove's notes, history
    events, consent events and import rows move to keep, its contact persons become keep's
    contacts (each with a history event), a MERGED event naming the removed record and its id is
    written on keep, the registered `merge_steps` run (later apps move their rows),
    and `remove` is deleted. `tenant` is the retailer whose schema is active.
    """
    if keep.pk == remove.pk:
        raise ValidationError(customer_merge_refusal(keep=keep, remove=remove), code="merge_refused")
    # Primary-key order, as every writer that locks several customers does, so that two merges
    # of overlapping pairs wait for each other instead of deadlocking.
    locked = {
        customer.pk: customer
        for customer in Customer.objects.select_for_update(no_key=True, of=("self",))
        .select_related("group", "company")
        .filter(pk__in=(keep.pk, remove.pk))
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(
            _("One of the two customers no longer exists; it may have been merged already."), code="merge_gone"
        )
    keep, remove = locked[keep.pk], locked[remove.pk]
    refusal = customer_merge_refusal(keep=keep, remove=remove)
    if refusal is not None:
        raise ValidationError(refusal, code="merge_refused")

    outcome = customer_merge_outcome(keep=keep, remove=remove)
    events = []
    for name, (old, new) in outcome.changes.items():
        setattr(keep, name, new)
        events.append(
            CustomerEvent(
                customer=keep,
                kind=CustomerEvent.Kind.STATUS if name == "status" else CustomerEvent.Kind.CHANGED,
                field=name,
                old_value=old if name == "status" else history_value(old),
                new_value=new if name == "status" else history_value(new),
                actor=acting_user,
                source=SOURCE,
            )
        )
    for code, (old, new) in outcome.property_changes.items():
        events.append(
            CustomerEvent(
                customer=keep,
                kind=CustomerEvent.Kind.CHANGED,
                field=f"property:{code}",
                old_value=history_value(old),
                new_value=history_value(new),
                actor=acting_user,
                source=SOURCE,
            )
        )
    keep.properties = outcome.properties
    if "number" in outcome.changes:
        # The number is unique: it leaves the removed record before the kept one takes it.
        Customer.objects.filter(pk=remove.pk).update(number="")
    keep.save()

    CustomerNote.objects.filter(customer=remove).update(customer=keep)
    CustomerEvent.objects.filter(customer=remove).update(customer=keep)
    ConsentEvent.objects.filter(customer=remove).update(customer=keep)
    ImportRow.objects.filter(customer=remove).update(customer=keep)
    contacts = list(Customer.objects.filter(company=remove).exclude(pk=keep.pk).order_by("pk"))
    Customer.objects.filter(pk__in=[contact.pk for contact in contacts]).update(company=keep)
    for contact in contacts:
        events.append(
            CustomerEvent(
                customer=contact,
                kind=CustomerEvent.Kind.CHANGED,
                field="company",
                old_value=str(remove),
                new_value=str(keep),
                actor=acting_user,
                source=SOURCE,
            )
        )
    # Last, so that it tops keep's history; it names the removed record's number when keep kept
    # its own (the removed one is gone with the record, and a person may still look for it).
    merged = f"{remove} (#{remove.pk})"
    if remove.number and "number" not in outcome.changes:
        merged = f"{remove} (#{remove.pk}, {_('customer number')} {remove.number})"
    events.append(
        CustomerEvent(
            customer=keep,
            kind=CustomerEvent.Kind.MERGED,
            new_value=merged,
            actor=acting_user,
            source=SOURCE,
        )
    )
    CustomerEvent.objects.bulk_create(events)

    for step in merge_steps:
        step(keep, remove)
    remove.delete()
    return keep
