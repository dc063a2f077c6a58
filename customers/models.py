from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractDay, ExtractMonth, Upper
from django.db.models.lookups import Exact, In
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class CustomerStatus(models.TextChoices):
    INTRODUCED = "introduced", _("Introduced")
    CONTROL = "control", _("Control")
    ARCHIVED = "archived", _("Archived")


ACTIVE_STATUSES = (CustomerStatus.INTRODUCED, CustomerStatus.CONTROL)


class CustomerGroup(models.Model):
    """A node of the tree of customer groups (regulars, friends & family, wholesale, VIP …)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        constraints = [
            models.UniqueConstraint(
                "parent", Upper("name"), name="customer_group_name_unique_among_siblings", nulls_distinct=False
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="customer_group_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomProperty(models.Model):
    """A field the tenant admin adds to every customer."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", pgettext_lazy("property type", "Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes / no")
        CHOICE = "choice", _("One of a list")

    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("Used in imports and exports."))
    label_en = models.CharField(_("label in English"), max_length=100)
    label_de = models.CharField(_("label in German"), max_length=100, blank=True)
    label_et = models.CharField(_("label in Estonian"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    is_shown_in_list = models.BooleanField(_("shown in the list"), default=False)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["is_archived", "position", "code"]
        verbose_name = _("customer property")
        verbose_name_plural = _("customer properties")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z][a-z0-9_]*$"),
                name="custom_property_code_is_an_identifier",
                violation_error_message=_("Use lower-case letters, digits and underscores, starting with a letter."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"label_{language}", "") or self.label_en


# The retailer's own number of a customer is unique whatever its case, among the customers that
# have one: a unique B-tree index on UPPER(number), partial (WHERE NOT number = ''). A query
# uses it only when it says both, as `CustomerQuerySet.number_q` does.
NUMBER_HAS_ONE = ~Q(number="")


class CustomerQuerySet(models.QuerySet):
    @staticmethod
    def number_q(numbers) -> Q:
        """The condition "the customer's number is one of `numbers`" (case ignored, blanks never
        match), written as the unique index on UPPER(number) is made, so that PostgreSQL looks
        each number up in it: the one look-up by customer number of the search, the till, the
        customer import and the sales history import."""
        wanted = sorted({str(number).strip().upper() for number in numbers} - {""})
        if not wanted:
            return Q(pk__in=[])
        lookup = Exact(Upper("number"), wanted[0]) if len(wanted) == 1 else In(Upper("number"), wanted)
        return Q(lookup) & NUMBER_HAS_ONE

    def by_numbers(self, numbers) -> "CustomerQuerySet":
        """The customers whose number is one of `numbers`, whatever its case."""
        return self.filter(self.number_q(numbers))

    def by_number(self, number: str) -> "CustomerQuerySet":
        return self.by_numbers([number])


class Customer(models.Model):
    """A private person or a business the retailer sells to."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Private person")
        BUSINESS = "business", _("Business")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", pgettext_lazy("gender", "Other")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    status = models.CharField(
        _("status"), max_length=12, choices=CustomerStatus.choices, default=CustomerStatus.CONTROL
    )
    # The retailer's own identifier (from the old system, on printed cards): optional, unique
    # among the customers that have one, whatever its case; stored stripped (rules.customer_number_clean).
    number = models.CharField(
        _("customer number"),
        max_length=40,
        blank=True,
        help_text=_("Your own number of the customer, e.g. from your previous system or a printed card."),
    )
    group = models.ForeignKey(
        CustomerGroup, verbose_name=_("group"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("Stored in international form, e.g. +372 5123 4567.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language for communication"), max_length=8, choices=settings.LANGUAGES, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("Two letters, e.g. EE, DE."))
    # A business; its address above is the billing address.
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    registry_code = models.CharField(_("registry code"), max_length=30, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=30, blank=True)
    billing_email = models.EmailField(_("billing e-mail"), blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), null=True, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=200, blank=True)
    delivery_postal_code = models.CharField(_("delivery postal code"), max_length=20, blank=True)
    delivery_city = models.CharField(_("delivery city"), max_length=100, blank=True)
    delivery_country = models.CharField(_("delivery country"), max_length=2, blank=True)
    # A contact person: a customer linked to a business.
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        limit_choices_to={"kind": "business"},
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    position_title = models.CharField(_("position"), max_length=100, blank=True)
    # Marketing consent, per channel; its history is in ConsentEvent.
    email_consent = models.BooleanField(_("consents to e-mail marketing"), default=False)
    sms_consent = models.BooleanField(_("consents to SMS marketing"), default=False)
    # Values of the tenant's custom properties, by property code (see docs/customers.md).
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    # Purchase figures, kept by the sales app as sales and returns are registered.
    purchase_count = models.PositiveIntegerField(_("purchases"), default=0)
    purchase_total = models.DecimalField(_("total amount"), max_digits=14, decimal_places=2, default=0)
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    return_count = models.PositiveIntegerField(_("returns"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["status"], name="customer_status_idx"),
            # The list's first page in its default order (newest first) and by name: an index walk
            # of 50 rows, not a sort of every customer.
            models.Index(fields=["-created_at", "-id"], name="customer_newest_idx"),
            models.Index(fields=["last_name", "first_name", "company_name", "id"], name="customer_name_order_idx"),
            models.Index(fields=["status", "-created_at"], name="customer_status_created_idx"),
            models.Index(fields=["birth_date"], name="customer_birth_date_idx"),
            # "Birthday in the next … days": month and day ranges, whatever the year.
            models.Index(ExtractMonth("birth_date"), ExtractDay("birth_date"), name="customer_birthday_idx"),
            models.Index(fields=["last_purchase_at"], name="customer_last_purchase_idx"),
            models.Index(fields=["purchase_total"], name="customer_purchase_total_idx"),
            models.Index(fields=["purchase_count"], name="customer_purchase_count_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            # Equality look-ups of the import's and the till's duplicate matching.
            models.Index(fields=["email"], name="customer_email_idx"),
            # The import matches e-mail addresses whatever their case.
            models.Index(Upper("email"), name="customer_email_upper_idx"),
            models.Index(fields=["registry_code"], name="customer_registry_code_idx"),
            GinIndex(fields=["properties"], opclasses=["jsonb_path_ops"], name="customer_properties_gin"),
            # Trigram indexes for the search box are made in migration 0001 (see docs/customers.md).
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="business", company_name__gt="")
                | Q(kind="person") & (Q(first_name__gt="") | Q(last_name__gt="")),
                name="customer_has_a_name",
            ),
            models.CheckConstraint(condition=Q(purchase_total__gte=0), name="customer_purchase_total_not_negative"),
            models.CheckConstraint(condition=~Q(company=F("pk")), name="customer_not_own_company"),
            # Also the B-tree index of every look-up by number (CustomerQuerySet.number_q).
            models.UniqueConstraint(Upper("number"), condition=NUMBER_HAS_ONE, name="customer_number_unique"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.BUSINESS:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_business(self) -> bool:
        return self.kind == self.Kind.BUSINESS


class StatusCount(models.Model):
    """How many customers are in each status, kept by triggers on the customers' table
    (migrations 0010 and 0012, `customers.counts`): every statement that inserts, deletes or
    truncates customers appends one row per status it changed, with the change, and a status
    that moves appends -1 for the old one, +1 for the new. The count of a status is the sum of
    its rows. Appending never waits for another transaction (no counter row
    is locked), and the sum is exact in every transaction's snapshot; a nightly job folds the
    rows into one per status."""

    status = models.CharField(max_length=12, choices=CustomerStatus.choices)
    count = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["status"], name="status_count_status_idx")]

    def __str__(self) -> str:
        return f"{self.status} {self.count:+d}"


class ConsentEvent(models.Model):
    """Consent to marketing on one channel given or withdrawn: when, how and who recorded it."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_events")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    is_given = models.BooleanField(_("given"))
    source = models.CharField(_("how"), max_length=100)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}: {self.is_given}"


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="customer_note_not_empty")]

    def __str__(self) -> str:
        return self.text[:50]


class CustomerEvent(models.Model):
    """One row per changed field (or per action), written in the same transaction as the change."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        STATUS = "status", _("Status changed")
        MERGED = "merged", _("Merged")
        IMPORTED = "imported", _("Imported")
        CONSENT = "consent", _("Consent")
        NOTE = "note", _("Note added")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=100, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="customer_event_customer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.field}"


class PropertyEvent(models.Model):
    """Who created, changed, archived or restored a custom property, and what changed (each
    changed setting with its old and new value); written in the same transaction as the change."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        ARCHIVED = "archived", _("Archived")
        RESTORED = "restored", _("In use")

    custom_property = models.ForeignKey(CustomProperty, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # {setting: [old value, new value]}, as text.
    changes = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.custom_property_id}"


# The fields a person may write through the forms, the import and the API.
EDITABLE_FIELDS = (
    "number",
    "kind",
    "group",
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "phone",
    "email",
    "language",
    "address",
    "postal_code",
    "city",
    "country",
    "company_name",
    "registry_code",
    "vat_number",
    "billing_email",
    "payment_terms_days",
    "delivery_address",
    "delivery_postal_code",
    "delivery_city",
    "delivery_country",
    "company",
    "department",
    "position_title",
    "email_consent",
    "sms_consent",
)
# The consent flags and the channel each one is for.
CONSENT_FIELDS = {"email_consent": ConsentEvent.Channel.EMAIL, "sms_consent": ConsentEvent.Channel.SMS}


class ImportBatch(models.Model):
    """One upload of a customer file: its column mapping, its dry run and its real run."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Dry run in progress")
        CHECKED = "checked", _("Dry run done")
        IMPORTING = "importing", _("Import in progress")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    class DuplicateMode(models.TextChoices):
        UPDATE = "update", _("Update the existing customer")
        SKIP = "skip", _("Skip the row")

    file = models.FileField(_("file"), upload_to="imports/")
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="column index (as text) -> target field or property code")
    duplicate_mode = models.CharField(
        _("when a customer exists"), max_length=6, choices=DuplicateMode.choices, default=DuplicateMode.UPDATE
    )
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Workers that took up the current check or import (crm.jobs).
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Who started the real import: the author of every change it writes.
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class ImportRow(models.Model):
    """What the dry run or the import did with one row of the file, and why."""

    class Outcome(models.TextChoices):
        CREATE = "create", pgettext_lazy("import outcome", "Create")
        UPDATE = "update", pgettext_lazy("import outcome", "Update")
        SKIP = "skip", pgettext_lazy("import outcome", "Skip")
        REFUSE = "refuse", pgettext_lazy("import outcome", "Refuse")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=6, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    display = models.CharField(_("customer"), max_length=200, blank=True)
    values = models.JSONField(default=list)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="import_row_unique")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.outcome}"
