"""What a merge of two customers does to their cards and points."""

from django.db.models import Sum
from django.utils.translation import gettext as _

from loyalty.models import Card, CardEvent, PointsEntry
from loyalty.services.ledger import accounts_lock, entry_write


def loyalty_merge_step(keep, remove) -> None:
    """Move `remove`'s cards, card history and ledger to `keep`, keeping the sum exact.

    Entries are never rewritten, so the balance moves by two entries: `remove` gives its balance
    away (MERGE_OUT), `keep` takes it (MERGE_IN). Then `remove`'s entries, those two included,
    move to `keep` (the one change the ledger's trigger allows, marking where they came from);
    their sum on `keep` is therefore keep's old balance plus remove's, which is keep's account.
    A welcome bonus both had keeps its entry but gives up its once-key on the moved one.
    """
    accounts = accounts_lock(sorted([keep.pk, remove.pk]))
    keep_account, remove_account = accounts[keep.pk], accounts[remove.pk]
    moved_balance = remove_account.balance
    if moved_balance:
        reason = _("Merge of customer %(removed)s into %(kept)s") % {"removed": remove.pk, "kept": keep.pk}
        entry_write(
            account=remove_account,
            kind=PointsEntry.Kind.MERGE_OUT,
            points=-moved_balance,
            source="back_office",
            reason=reason,
        )
        entry_write(
            account=keep_account,
            kind=PointsEntry.Kind.MERGE_IN,
            points=moved_balance,
            source="back_office",
            reason=reason,
        )
    keys_kept = set(
        PointsEntry.objects.filter(customer=keep, once_key__isnull=False).values_list("once_key", flat=True)
    )
    entries = PointsEntry.objects.filter(customer=remove)
    entries.filter(once_key__in=keys_kept).update(customer=keep, merged_from=remove.pk, once_key=None)
    entries.update(customer=keep, merged_from=remove.pk)
    cards = list(Card.objects.filter(customer=remove))
    Card.objects.filter(customer=remove).update(customer=keep)
    CardEvent.objects.filter(customer=remove).update(customer=keep)
    CardEvent.objects.bulk_create(
        [
            CardEvent(
                card=card, customer=keep, kind=CardEvent.Kind.MERGED, note=_("from customer %(id)s") % {"id": remove.pk}
            )
            for card in cards
        ]
    )
    # The sum check is cheap and says loudly if anything above broke the ledger's invariant.
    total = PointsEntry.objects.filter(customer=keep).aggregate(total=Sum("points"))["total"] or 0
    if total != keep_account.balance:
        raise RuntimeError(
            f"merge left customer {keep.pk} with entries summing to {total}, balance {keep_account.balance}"
        )
