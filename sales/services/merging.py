"""What a merge of two customers does to their sales and returns."""

from sales.models import Return, SalesDocument


def sales_merge_step(keep, remove) -> None:
    """Move `remove`'s sales documents and returns to `keep` (the customers app has added up the
    purchase figures already); registered in customers.services.merging.merge_steps."""
    SalesDocument.objects.filter(customer=remove).update(customer=keep)
    Return.objects.filter(customer=remove).update(customer=keep)
