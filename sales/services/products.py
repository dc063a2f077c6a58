"""Products and the tree of product groups (Settings → Products).

What a valid barcode, price and VAT rate are is said once, in sales.rules, which the imports and
the till's API use too; this module puts those messages under the form's fields.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sales import rules
from sales.models import Product, ProductGroup
from sales.selectors.products import product_group_descendant_ids


def field_clean(cleaner, raw, *, field: str, required_message: str | None = None):
    """Run a cleaner of sales.rules and file its refusal under `field`; an empty value is
    refused with `required_message` when one is given."""
    try:
        value = cleaner(raw)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    if value in (None, "") and required_message:
        raise ValidationError({field: required_message})
    return value


# --- product groups ---------------------------------------------------------------------------


def _group_name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the group's name.")})
    return name


def _group_save(group: ProductGroup) -> ProductGroup:
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("A group with this name already exists at this place in the tree.")}
        ) from error
    return group


@transaction.atomic
def product_group_create(*, name: str, parent: ProductGroup | None = None) -> ProductGroup:
    """Add a product group at the top of the tree or under `parent`."""
    return _group_save(ProductGroup(name=_group_name_clean(name), parent=parent))


@transaction.atomic
def product_group_update(*, group: ProductGroup, name: str, parent: ProductGroup | None) -> ProductGroup:
    """Rename or move a product group; its products and sub-groups move with it. A group cannot
    move below itself or one of its own sub-groups."""
    if parent is not None and parent.pk in product_group_descendant_ids(group.pk):
        raise ValidationError({"parent": _("A group cannot be moved into itself or one of its sub-groups.")})
    group.name = _group_name_clean(name)
    group.parent = parent
    return _group_save(group)


@transaction.atomic
def product_group_delete(*, group: ProductGroup) -> None:
    """Delete an empty product group. A group that still holds products or sub-groups is refused
    with a message saying how many; nothing is moved behind the admin's back. Price list items
    for the group go with it (they could price nothing any more)."""
    locked = ProductGroup.objects.select_for_update(of=("self",)).get(pk=group.pk)
    product_count = Product.objects.filter(group=locked).count()
    child_count = ProductGroup.objects.filter(parent=locked).count()
    if product_count or child_count:
        parts = []
        if product_count:
            parts.append(ngettext("%(count)s product", "%(count)s products", product_count) % {"count": product_count})
        if child_count:
            parts.append(ngettext("%(count)s sub-group", "%(count)s sub-groups", child_count) % {"count": child_count})
        holds = parts[0] if len(parts) == 1 else _("%(first)s and %(second)s") % {"first": parts[0], "second": parts[1]}
        raise ValidationError(
            _("The group “%(name)s” holds %(holds)s: move or delete them first.")
            % {"name": locked.name, "holds": holds}
        )
    locked.delete()


# --- products ---------------------------------------------------------------------------------


def _required(value: str | None, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _product_fields_clean(
    *, sku: str, ean: str | None, name: str, list_price, vat_rate, exclude_pk: int | None = None
) -> dict:
    errors: dict[str, list[str]] = {}
    fields: dict = {}
    cleaners = {
        "sku": lambda: _required(sku, field="sku", message=_("Enter the product's code (SKU).")),
        "ean": lambda: field_clean(rules.ean_clean, ean, field="ean") or None,
        "name": lambda: _required(name, field="name", message=_("Enter the product's name.")),
        "list_price": lambda: field_clean(
            rules.money_clean, list_price, field="list_price", required_message=_("Enter the list price.")
        ),
        "vat_rate": lambda: field_clean(
            rules.vat_rate_clean, vat_rate, field="vat_rate", required_message=_("Enter the VAT rate.")
        ),
    }
    # Every field is checked, so that the form shows all its problems at once.
    for field, cleaner in cleaners.items():
        try:
            fields[field] = cleaner()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if "sku" in fields and Product.objects.filter(sku__iexact=fields["sku"]).exclude(pk=exclude_pk).exists():
        errors.setdefault("sku", []).append(
            _("A product with the code (SKU) “%(sku)s” already exists.") % {"sku": fields["sku"]}
        )
    if fields.get("ean"):
        holder = Product.objects.filter(ean=fields["ean"]).exclude(pk=exclude_pk).first()
        if holder is not None:
            errors.setdefault("ean", []).append(
                _("The EAN barcode “%(ean)s” is already used by %(product)s.")
                % {"ean": fields["ean"], "product": holder}
            )
    if errors:
        raise ValidationError(errors)
    return fields


def _product_save(product: Product) -> Product:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        # Two admins saving the same code at once: the unique indexes decide.
        raise ValidationError(_("Another product was saved with the same code or barcode; try again.")) from error
    return product


@transaction.atomic
def product_create(
    *,
    sku: str,
    name: str,
    list_price,
    ean: str | None = None,
    group: ProductGroup | None = None,
    vat_rate=Decimal("22"),
    is_active: bool = True,
) -> Product:
    """Add a product. Refused with a message per field (nothing written): no SKU or name, an SKU
    or an EAN that another product has, an EAN that is not 8 or 13 digits with a correct check
    digit, a list price that is negative or has more than two decimals, a VAT rate outside 0–100."""
    fields = _product_fields_clean(sku=sku, ean=ean, name=name, list_price=list_price, vat_rate=vat_rate)
    return _product_save(Product(**fields, group=group, is_active=is_active))


@transaction.atomic
def product_update(
    *,
    product: Product,
    sku: str,
    name: str,
    list_price,
    ean: str | None = None,
    group: ProductGroup | None = None,
    vat_rate=Decimal("22"),
    is_active: bool = True,
) -> Product:
    """Change a product, with the checks of product_create. Past sales keep the prices they were
    sold at (their lines hold them)."""
    fields = _product_fields_clean(
        sku=sku, ean=ean, name=name, list_price=list_price, vat_rate=vat_rate, exclude_pk=product.pk
    )
    for field, value in fields.items():
        setattr(product, field, value)
    product.group = group
    product.is_active = is_active
    return _product_save(product)
