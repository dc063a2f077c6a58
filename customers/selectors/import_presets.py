"""Column-mapping presets: the customer exports of other systems, recognised by their header row
and mapped without a person choosing each column.

A preset names the headers its system writes (compared as `header_normalise` makes them: case,
spaces and punctuation ignored) and the target each goes to, the first header present of a
target's list winning. A file is recognised as a preset's when it has every header of the
preset's `signature` and at least `min_hints` of its `hints`. Its mapping is the preset's for
the headers it knows, nothing for those it knows to leave out (`ignored`: a second phone, a
total the sales history brings), and the generic mapping (`import_default_mapping`) for any
other column (a custom property, say). The mapping page says which preset it recognised; a
person may still change every column.

The presets are a registry (crm.registry), so that a later app may add one; docs/customers.md
lists the headers each expects.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.registry import Registry
from customers.selectors.importing import FULL_NAME, IGNORE, ImportTarget, header_normalise, import_default_mapping


def _names(*headers: str) -> tuple[str, ...]:
    return tuple(header_normalise(header) for header in headers)


@dataclass(frozen=True)
class ImportPreset:
    code: str
    label: str | Promise
    # target -> the headers that may hold it, the preferred first.
    columns: tuple[tuple[str, tuple[str, ...]], ...]
    signature: frozenset[str]
    hints: frozenset[str] = frozenset()
    min_hints: int = 0
    ignored: frozenset[str] = frozenset()
    # What the mapping page says besides the preset's name (a column it cannot read, say).
    note: str | Promise = ""

    def recognises(self, headers: list[str]) -> bool:
        names = {header_normalise(header) for header in headers}
        return self.signature <= names and len(self.hints & names) >= self.min_hints


import_presets: Registry[ImportPreset] = Registry("customer import presets", key=lambda preset: preset.code)

SHOPIFY = import_presets.register(
    ImportPreset(
        code="shopify",
        label=_("Shopify customers export"),
        # Shopify's export since 2023 ("Default Address …"), and the one before ("Address1", "Accepts Marketing").
        columns=(
            ("number", _names("Customer ID")),
            ("first_name", _names("First Name")),
            ("last_name", _names("Last Name")),
            ("email", _names("Email")),
            ("email_consent", _names("Accepts Email Marketing", "Accepts Marketing")),
            ("sms_consent", _names("Accepts SMS Marketing")),
            ("phone", _names("Phone", "Default Address Phone")),
            ("company_name", _names("Default Address Company", "Company")),
            ("address", _names("Default Address Address1", "Address1")),
            ("postal_code", _names("Default Address Zip", "Zip")),
            ("city", _names("Default Address City", "City")),
            ("country", _names("Default Address Country Code", "Country Code")),
        ),
        signature=frozenset(_names("First Name", "Last Name", "Email", "Total Spent", "Total Orders")),
        ignored=frozenset(
            _names(
                "Default Address Phone",
                "Default Address Address2",
                "Address2",
                "Default Address Province Code",
                "Province",
                "Province Code",
                "Country",
                "Total Spent",
                "Total Orders",
                "Note",
                "Tax Exempt",
                "Tags",
            )
        ),
        note=_(
            "Shopify's second address line, province, tags, note and totals are left out; the sales history "
            "import brings the purchases."
        ),
    )
)

ODOO = import_presets.register(
    ImportPreset(
        code="odoo",
        label=_("Odoo contacts export"),
        # The labels of Odoo's export, and the field names of its import-compatible export.
        columns=(
            ("number", _names("Reference", "ref")),
            ("kind", _names("Company Type", "company_type")),
            (FULL_NAME, _names("Name", "name")),
            ("email", _names("Email", "email")),
            ("phone", _names("Mobile", "mobile", "Phone", "phone")),
            ("company_name", _names("Company Name", "company_name", "Related Company", "parent_id")),
            ("address", _names("Street", "street")),
            ("postal_code", _names("Zip", "zip")),
            ("city", _names("City", "city")),
            ("country", _names("Country/Country Code", "country_id/code", "Country Code")),
            ("vat_number", _names("Tax ID", "VAT", "vat")),
        ),
        signature=frozenset(_names("Name")),
        # Words of Odoo's contacts that a file of another system seldom has (two of them).
        hints=frozenset(
            _names(
                "Street2",
                "Mobile",
                "Related Company",
                "parent_id",
                "Company Type",
                "company_type",
                "Is a Company",
                "is_company",
                "Reference",
                "ref",
                "Tax ID",
                "Company Name",
                "company_name",
                "Job Position",
                "function",
                "Display Name",
                "display_name",
                "Salesperson",
                "user_id",
                "Country/Country Code",
                "country_id",
                "country_id/code",
                "state_id",
                "category_id",
            )
        ),
        min_hints=2,
        ignored=frozenset(
            _names(
                "Display Name",
                "display_name",
                "Phone",
                "phone",
                "Street2",
                "street2",
                "Country",
                "country_id",
                "State",
                "state_id",
                "Is a Company",
                "is_company",
                "Tags",
                "category_id",
                "Language",
                "lang",
                "Salesperson",
                "user_id",
                "Job Position",
                "function",
                "Website Link",
                "website",
                "Notes",
                "comment",
                "ID",
                "id",
            )
        ),
        note=_(
            "Odoo's Country column holds the country's name: export “Country/Country Code” to import the country. "
            "A name is split into first name (its first word) and last name; a contact of the type Company is a "
            "business."
        ),
    )
)


def import_preset_detect(headers: list[str]) -> ImportPreset | None:
    """The first registered preset that recognises the header row, or None."""
    return next((preset for preset in import_presets if preset.recognises(headers)), None)


def import_preset_mapping(*, preset: ImportPreset, headers: list[str], targets: list[ImportTarget]) -> dict[int, str]:
    """The mapping a file of `preset` gets before a person chooses: the preset's target for each
    header it maps (a target to the first column of its list that the file has), IGNORE for the
    headers it leaves out, and the generic mapping for the rest."""
    known = {target.key for target in targets}
    names = [header_normalise(header) for header in headers]
    mapping: dict[int, str] = {}
    for target, alternatives in preset.columns:
        if target not in known:
            continue
        for alternative in alternatives:
            index = next((index for index, name in enumerate(names) if name == alternative), None)
            if index is not None and index not in mapping:
                mapping[index] = target
                break
    for index, name in enumerate(names):
        if index not in mapping and name in preset.ignored:
            mapping[index] = IGNORE
    taken = set(mapping.values()) - {IGNORE}
    free = [header if index not in mapping else "" for index, header in enumerate(headers)]
    generic = import_default_mapping(headers=free, targets=[target for target in targets if target.key not in taken])
    return {**generic, **mapping}
