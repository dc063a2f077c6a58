import hashlib

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 3}


class Store(models.Model):
    """A point of sale of the retailer."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class Terminal(models.Model):
    """A till of a store. It authenticates to the API with a token of its own; only the token's
    hash is stored, the token itself is shown once when made."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="terminals")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(_("token starts with"), max_length=8)
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store__name", "name"]
        verbose_name = _("POS terminal")
        verbose_name_plural = _("POS terminals")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(revoked_at__isnull=False), name="terminal_revoked_has_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.name}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ProductGroup(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent group"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        constraints = [
            models.UniqueConstraint(
                "parent", Upper("name"), name="product_group_name_unique_among_siblings", nulls_distinct=False
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="product_group_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    def by_codes(self, codes) -> "ProductQuerySet":
        """The products whose SKU or EAN is one of `codes`: the one look-up of a product by the
        code a person, a file or a till names it by."""
        codes = list(codes)
        return self.filter(Q(sku__in=codes) | Q(ean__in=codes))

    def by_code(self, code: str) -> "ProductQuerySet":
        return self.by_codes([code])


class Product(models.Model):
    sku = models.CharField(_("code (SKU)"), max_length=40, unique=True)
    ean = models.CharField(_("EAN barcode"), max_length=14, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=200)
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    list_price = models.DecimalField(_("list price"), **MONEY, validators=[MinValueValidator(0)])
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2, default=22)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=Q(list_price__gte=0), name="product_list_price_not_negative"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0, vat_rate__lte=100), name="product_vat_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class PriceList(models.Model):
    """Special prices for customer groups: fixed prices or a percentage off, for products or
    whole product groups, valid in a period."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="price_list_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, null=True, blank=True)
    product_group = models.ForeignKey(
        ProductGroup, verbose_name=_("product group"), on_delete=models.CASCADE, null=True, blank=True
    )
    fixed_price = models.DecimalField(_("fixed price"), **MONEY, null=True, blank=True)
    percent_off = models.DecimalField(_("percent off"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("price list item")
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(product_group__isnull=True))
                | (Q(product__isnull=True) & Q(product_group__isnull=False)),
                name="price_list_item_one_target",
            ),
            models.CheckConstraint(
                condition=(Q(fixed_price__isnull=False, fixed_price__gte=0) & Q(percent_off__isnull=True))
                | (Q(fixed_price__isnull=True) & Q(percent_off__gt=0, percent_off__lte=100)),
                name="price_list_item_one_rule",
            ),
            models.UniqueConstraint(fields=["price_list", "product"], name="price_list_item_product_once"),
            models.UniqueConstraint(fields=["price_list", "product_group"], name="price_list_item_group_once"),
        ]

    def __str__(self) -> str:
        return f"{self.price_list}: {self.product or self.product_group}"


class GroupPriceList(models.Model):
    """The price list of a customer group; its sub-groups inherit it unless they have their own."""

    customer_group = models.OneToOneField(
        "customers.CustomerGroup", on_delete=models.CASCADE, related_name="price_list_assignment"
    )
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="assignments")

    def __str__(self) -> str:
        return f"{self.customer_group} → {self.price_list}"


def purchase_condition(through: str = "") -> Q:
    """Receipts and invoices (the documents that are purchases), reached from another model by
    the lookup path `through` ("document__", "sale__", "return_document__sale__")."""
    return Q(**{f"{through}kind__in": SalesDocument.PURCHASE_KINDS})


class SalesEvent(models.Model):
    """Who changed a store, a POS terminal, a price list or a product, when, and what (old → new): one row
    per change, written in the same transaction as the change (see sales.events)."""

    class Kind(models.TextChoices):
        STORE_CREATED = "store_created", _("Store added")
        STORE_CHANGED = "store_changed", _("Store changed")
        TERMINAL_CREATED = "terminal_created", _("Terminal added")
        TERMINAL_ROTATED = "terminal_rotated", _("Terminal given a new token")
        TERMINAL_REVOKED = "terminal_revoked", _("Terminal revoked")
        PRICE_LIST_CREATED = "price_list_created", _("Price list added")
        PRICE_LIST_CHANGED = "price_list_changed", _("Price list changed")
        PRICE_LIST_DELETED = "price_list_deleted", _("Price list deleted")
        PRICE_LIST_ITEM_ADDED = "price_list_item_added", _("Special price added")
        PRICE_LIST_ITEM_CHANGED = "price_list_item_changed", _("Special price changed")
        PRICE_LIST_ITEM_REMOVED = "price_list_item_removed", _("Special price removed")
        PRODUCT_CREATED = "product_created", _("Product added")
        PRODUCT_CHANGED = "product_changed", _("Product changed")

    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    # A deleted price list keeps its events (its name is in `changes`).
    price_list = models.ForeignKey("PriceList", on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    # {field: [old, new]}; old is None for what was just made.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("sales settings event")
        verbose_name_plural = _("sales settings events")
        indexes = [
            models.Index(fields=["store", "-occurred_at"], name="sales_event_store_idx"),
            models.Index(fields=["price_list", "-occurred_at"], name="sales_event_price_list_idx"),
            models.Index(fields=["product", "-occurred_at"], name="sales_event_product_idx"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class SalesDocumentQuerySet(models.QuerySet):
    def purchases(self) -> "SalesDocumentQuerySet":
        """Receipts and invoices: orders and quotes are no purchases."""
        return self.filter(purchase_condition())


class SalesDocument(models.Model):
    """A receipt, invoice, order or quote. Only receipts and invoices are purchases."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        INVOICE = "invoice", _("Invoice")
        ORDER = "order", pgettext_lazy("sales document", "Order")
        QUOTE = "quote", _("Quote")

    class PaymentStatus(models.TextChoices):
        PAID = "paid", _("Paid")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        UNPAID = "unpaid", _("Unpaid")

    PURCHASE_KINDS = (Kind.RECEIPT, Kind.INVOICE)

    # On the instance `sale_register` returns: its lines as just written (with their products),
    # so that an answer about the sale needs not read them back. None on a document read.
    written_lines: tuple["SalesLine", ...] | None = None

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.RECEIPT)
    number = models.CharField(_("number"), max_length=40, blank=True)
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cashier or author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
    )
    occurred_at = models.DateTimeField(_("date and time"), db_index=True)
    total = models.DecimalField(_("amount"), **MONEY)
    discount_total = models.DecimalField(_("discount"), **MONEY, default=0)
    returned_total = models.DecimalField(_("returned"), **MONEY, default=0)
    payment_status = models.CharField(
        _("payment status"), max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PAID
    )
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SalesDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("sales document")
        verbose_name_plural = _("sales documents")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="sale_customer_time_idx"),
            # The history import's "does the store have this document already?" for a chunk's
            # numbers (a sequential scan of every document without it: 0.66 s on L).
            models.Index(fields=["number", "store"], name="sale_number_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="sale_total_not_negative"),
            models.CheckConstraint(
                condition=Q(returned_total__gte=0) & Q(returned_total__lte=F("total")),
                name="sale_returned_within_total",
            ),
            models.UniqueConstraint(
                fields=["terminal", "client_id"],
                condition=Q(client_id__isnull=False),
                name="sale_client_id_once_per_terminal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or self.pk}"

    @property
    def is_purchase(self) -> bool:
        return self.kind in self.PURCHASE_KINDS


class SalesLineQuerySet(models.QuerySet):
    def of_purchases(self) -> "SalesLineQuerySet":
        """Lines of receipts and invoices."""
        return self.filter(purchase_condition("document__"))


class SalesLine(models.Model):
    class DiscountSource(models.TextChoices):
        NONE = "", _("None")
        PRICE_LIST = "price_list", _("Price list")
        CARD = "card", _("Card")
        COUPON = "coupon", _("Coupon")
        MANUAL = "manual", _("Manual")

    document = models.ForeignKey(SalesDocument, on_delete=models.CASCADE, related_name="lines")
    # Indexed by salesline_product_cover below.
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    list_price = models.DecimalField(_("list price"), **MONEY)
    unit_price = models.DecimalField(_("price paid"), **MONEY)
    discount = models.DecimalField(_("discount"), **MONEY, default=0)
    discount_source = models.CharField(_("discount from"), max_length=10, choices=DiscountSource.choices, blank=True)
    line_total = models.DecimalField(_("line total"), **MONEY)
    returned_quantity = models.DecimalField(_("returned"), **QUANTITY, default=0)

    objects = SalesLineQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sales_line_price_not_negative"),
            # A line can never be returned more than was sold, whatever the code above does.
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0) & Q(returned_quantity__lte=F("quantity")),
                name="sales_line_returned_within_sold",
            ),
        ]
        indexes = [
            # "Buyers of a product" reads a product group's lines from this index alone: a group's
            # lines of all time are spread over the whole table, its entries lie together (on L
            # 2,300 pages read instead of 114,000). Other reads by product use it as an index.
            models.Index(
                fields=["product"],
                include=["document", "quantity", "returned_quantity", "line_total", "unit_price"],
                name="salesline_product_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def returnable_quantity(self):
        return self.quantity - self.returned_quantity


class Return(models.Model):
    """Goods brought back: the sale and the lines it reverses."""

    sale = models.ForeignKey(SalesDocument, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="returns")
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    occurred_at = models.DateTimeField(_("date and time"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="return_customer_time_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="return_amount_not_negative"),
            models.UniqueConstraint(
                fields=["terminal", "client_id"],
                condition=Q(client_id__isnull=False),
                name="return_client_id_once_per_terminal",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Return')} {self.pk}"


class ReturnLine(models.Model):
    return_document = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    sale_line = models.ForeignKey(SalesLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.sale_line.product} × {self.quantity}"


class HistoryImport(models.Model):
    """One upload of a sales history file: its dry run and its import, both run by the worker
    (sales.services.history_import). `documents` keeps what the results page shows: every refused
    document (up to HISTORY_SHOWN_REFUSED) and the first of the others, as the check gave them."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Check in progress")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Import in progress")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="sales-imports/")
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    line_count = models.PositiveIntegerField(default=0)
    import_count = models.PositiveIntegerField(default=0)
    skip_count = models.PositiveIntegerField(default=0)
    refuse_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(**MONEY, default=0)
    ignored_columns = models.JSONField(default=list)
    documents = models.JSONField(default=list)
    error = models.TextField(blank=True)
    # How many times a worker took up the current check or import (a worker killed in it hands
    # the task back): past HISTORY_MAX_ATTEMPTS the file is given up, not tried for ever.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Who started the import: the author of the sales it writes.
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name
