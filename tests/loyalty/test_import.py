"""Opening points balances and card numbers in the customer import (loyalty/services/import_columns.py).

The dry run and the import are called as their Celery tasks call them, in the test's
transaction, so that nothing is committed: a ledger's entries can never be deleted again.
"""

import csv
import dataclasses
import io
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from customers.models import Customer, ImportBatch, ImportRow
from customers.services.import_columns import import_columns
from customers.services.importing import (
    import_batch_check,
    import_batch_create,
    import_batch_execute,
    import_batch_map,
    import_batch_start,
)
from loyalty.models import Card, CardEvent, PointsAccount, PointsEntry
from loyalty.services import import_columns as import_columns_module
from loyalty.services.cards import card_assign, card_batch_generate, card_block
from sales.rules import ean_check_digit
from tests.factories import CardTypeFactory, CustomerFactory, ProgrammeFactory

IMPORT_URL = "/customers/import/"
HEADER = ["First name", "Last name", "E-mail", "Points", "Card number"]
MAPPING = {0: "first_name", 1: "last_name", 2: "email", 3: "points_balance", 4: "card_number"}


def csv_bytes(rows: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def ean13(body: str) -> str:
    return body + str(ean_check_digit(body))


@pytest.fixture(autouse=True)
def registered_columns():
    """The columns as LoyaltyConfig.ready() registers them (registering twice does nothing)."""
    import_columns.register(import_columns_module.POINTS_BALANCE)
    import_columns.register(import_columns_module.CARD_NUMBER)


UPLOADED: list[ImportBatch] = []


@pytest.fixture
def uploads_cleaned(alpha):
    """Delete the files of the test's batches (only those: other tests' imports run beside)."""
    yield
    with tenant_context(alpha.tenant):
        while UPLOADED:
            batch = UPLOADED.pop()
            batch.file.storage.delete(batch.file.name)


@dataclass(frozen=True)
class ImportShop:
    stock: list[str]  # the numbers of five bonus cards in stock, in order
    kati: Customer


@pytest.fixture
def import_shop(alpha, shop, uploads_cleaned) -> ImportShop:
    """Alpha's programme with a welcome bonus of 50 and points expiring after 24 months, five
    bonus cards (2990…) in stock, and Kati Saar."""
    with tenant_context(alpha.tenant):
        ProgrammeFactory(welcome_bonus=50, expiry_months=24)
        batch = card_batch_generate(
            card_type=CardTypeFactory(name="Bonus card", prefix="2990"), quantity=5, acting_user=shop.admin
        )
        return ImportShop(
            stock=list(Card.objects.filter(batch=batch).order_by("number").values_list("number", flat=True)),
            kati=CustomerFactory(first_name="Kati", last_name="Saar", email="kati@loyalty.example"),
        )


def run_check(alpha, rows: list[list], *, user, mode: str = "update", mapping=None) -> ImportBatch:
    """Upload, map and run the dry run of the rows; returns the checked batch."""
    upload = SimpleUploadedFile("loyalty.csv", csv_bytes(rows))
    batch = import_batch_create(upload=upload, acting_user=user)
    UPLOADED.append(batch)
    import_batch_map(batch=batch, mapping=mapping or MAPPING, duplicate_mode=mode)
    return import_batch_check(batch_id=batch.pk, tenant=alpha.tenant)


def run_import(alpha, batch: ImportBatch) -> ImportBatch:
    import_batch_start(batch=batch, acting_user=batch.created_by)
    return import_batch_execute(batch_id=batch.pk, tenant=alpha.tenant)


def outcomes(batch: ImportBatch) -> dict[int, tuple[str, str]]:
    return {row.row_number: (row.outcome, row.reason) for row in ImportRow.objects.filter(batch=batch)}


def ledger() -> dict:
    """What an import could write to loyalty: every entry, balance and card."""
    return {
        "entries": list(
            PointsEntry.objects.order_by("pk").values_list("customer__email", "kind", "points", "balance_after")
        ),
        "balances": dict(PointsAccount.objects.values_list("customer__email", "balance")),
        "cards": dict(Card.objects.values_list("number", "status")),
        "owners": dict(Card.objects.filter(customer__isnull=False).values_list("number", "customer__email")),
        "customers": Customer.objects.count(),
    }


@pytest.mark.django_db
def test_a_file_with_balances_and_cards_imports_them_and_importing_it_again_adds_nothing(alpha, shop, import_shop):
    stock, admin = import_shop.stock, shop.admin
    new_number = ean13("299000000900")  # in the bonus type's range, not in stock yet
    rows = [
        HEADER,
        ["Mari", "Tamm", "mari@loyalty.example", "1200", stock[0]],
        ["Jaan", "Kask", "jaan@loyalty.example", "1 500", new_number],
        ["Kati", "Saar", "kati@loyalty.example", "300", ""],
        ["Anu", "Sepp", "anu@loyalty.example", "0", f" {stock[1][:4]} {stock[1][4:]} "],
    ]
    with tenant_context(alpha.tenant):
        before = ledger()
        batch = run_check(alpha, rows, user=admin)
        assert (batch.status, batch.created_count, batch.updated_count, batch.refused_count) == ("checked", 3, 1, 0)
        assert ledger() == before  # the dry run writes nothing

        batch = run_import(alpha, batch)
        assert (batch.status, batch.error) == ("imported", "")
        entries = PointsEntry.objects.filter(customer__email__endswith="@loyalty.example").order_by("pk")
        # Each chunk's balances first (in the order of the customers' ids), then its cards.
        assert list(entries.values_list("customer__first_name", "kind", "points", "balance_after", "once_key")) == [
            ("Kati", "opening", 300, 300, "opening"),
            ("Mari", "opening", 1200, 1200, "opening"),
            ("Jaan", "opening", 1500, 1500, "opening"),
            ("Mari", "bonus", 50, 1250, "welcome"),
            ("Jaan", "bonus", 50, 1550, "welcome"),
            ("Anu", "bonus", 50, 50, "welcome"),
        ]
        opening = entries.filter(kind="opening").first()
        assert (opening.source, opening.author, opening.reason) == (
            "import",
            admin,
            "Opening balance imported from “loyalty.csv”",
        )
        assert opening.expires_on is not None
        assert dict(
            PointsAccount.objects.filter(customer__email__endswith="@loyalty.example").values_list(
                "customer__first_name", "balance"
            )
        ) == {"Mari": 1250, "Jaan": 1550, "Kati": 300, "Anu": 50}
        cards = Card.objects.filter(customer__email__endswith="@loyalty.example")
        assert sorted(cards.values_list("number", "customer__first_name", "status", "card_type__name")) == sorted(
            [
                (stock[0], "Mari", "active", "Bonus card"),
                (new_number, "Jaan", "active", "Bonus card"),
                (stock[1], "Anu", "active", "Bonus card"),
            ]
        )
        assigned = CardEvent.objects.filter(card__in=cards, kind="assigned")
        assert assigned.count() == 3 and set(assigned.values_list("author", flat=True)) == {admin.pk}
        after_first = ledger()

        again = run_check(alpha, rows, user=admin)
        assert (again.updated_count, again.refused_count) == (4, 0)
        again = run_import(alpha, again)
        assert again.status == "imported"
        assert ledger() == after_first


@pytest.mark.django_db
def test_bad_card_numbers_and_balances_are_refused_in_the_dry_run_and_nothing_of_them_is_written(
    alpha, shop, import_shop
):
    stock, admin, kati = import_shop.stock, shop.admin, import_shop.kati
    with tenant_context(alpha.tenant):
        card_assign(customer=kati, number=stock[2], acting_user=admin)
        blocked = card_assign(customer=kati, number=stock[3], acting_user=admin)
        card_block(card=blocked, acting_user=admin)
    wrong_digit = stock[4][:-1] + str((int(stock[4][-1]) + 1) % 10)
    rows = [
        HEADER,
        ["Mari", "Tamm", "mari@loyalty.example", "100", wrong_digit],  # 2
        ["Jaan", "Kask", "jaan@loyalty.example", "50", stock[2]],  # 3: Kati's card
        ["Anu", "Sepp", "anu@loyalty.example", "-5", ""],  # 4
        ["Tiit", "Mets", "tiit@loyalty.example", "12.5", ""],  # 5
        ["Liis", "Oja", "liis@loyalty.example", "", "1234567890128"],  # 6: no type has it
        ["Mart", "Kuusk", "mart@loyalty.example", "10", stock[4]],  # 7: fine
        ["Rein", "Pärn", "rein@loyalty.example", "10", stock[4]],  # 8: the card of row 7 again
        ["Triin", "Lepik", "triin@loyalty.example", "ten", stock[3]],  # 9: both wrong
        ["Kati", "Saar", "kati@loyalty.example", "70", stock[2]],  # 10: her own card, fine
    ]
    with tenant_context(alpha.tenant):
        before = ledger()
        batch = run_check(alpha, rows, user=admin)
        assert ledger() == before
        balance_problem = "Points: “%s”: an opening balance must be a whole number of points ≥ 0 (at most 100,000,000)."
        assert outcomes(batch) == {
            2: (
                "refuse",
                f"Card number: “{wrong_digit}” is not a valid EAN-13 number: its check digit should be {stock[4][-1]}.",
            ),
            3: ("refuse", f"Card number: Card {stock[2]} is already active on another customer (Kati Saar)."),
            4: ("refuse", balance_problem % "-5"),
            5: ("refuse", balance_problem % "12.5"),
            6: (
                "refuse",
                "Card number: No card type of this retailer has numbers like “1234567890128”; it may be another "
                "retailer's card or mistyped.",
            ),
            7: ("create", ""),
            8: ("refuse", f"Card number: Card {stock[4]} is already in row 7."),
            9: (
                "refuse",
                f"{balance_problem % 'ten'} Card number: Card {stock[3]} is blocked; it cannot be used.",
            ),
            10: ("update", "Kati Saar (same e-mail) has these values already."),
        }
        assert (batch.created_count, batch.updated_count, batch.refused_count) == (1, 1, 7)

        batch = run_import(alpha, batch)
        assert batch.status == "imported"
        # Only the good rows are written; of a refused row, not even the customer.
        assert not Customer.objects.filter(email__in=[row[2] for row in rows[1:9] if row[0] != "Mart"]).exists()
        assert list(
            PointsEntry.objects.filter(customer__email__in=["mart@loyalty.example", "kati@loyalty.example"])
            .order_by("pk")
            .values_list("customer__first_name", "kind", "points")
        ) == [("Kati", "bonus", 50), ("Kati", "opening", 70), ("Mart", "opening", 10), ("Mart", "bonus", 50)]
        assert Card.objects.get(number=stock[4]).customer.email == "mart@loyalty.example"
        assert Card.objects.get(number=stock[2]).customer == kati


@pytest.mark.django_db
def test_an_error_while_writing_loyalty_fails_the_whole_import_and_nothing_stays(alpha, shop, import_shop, monkeypatch):
    rows = [
        HEADER,
        ["Mari", "Tamm", "mari@loyalty.example", "1200", ""],
        ["Jaan", "Kask", "jaan@loyalty.example", "", import_shop.stock[0]],
    ]
    with tenant_context(alpha.tenant):
        batch = run_check(alpha, rows, user=shop.admin)
        assert batch.created_count == 2
        before = ledger()

        def card_assign_failing(**kwargs):
            raise RuntimeError("the card service is down")

        monkeypatch.setattr(import_columns_module, "cards_assign_bulk", card_assign_failing)
        batch = run_import(alpha, batch)
        assert batch.status == "failed"
        assert "the card service is down" in batch.error
        assert ledger() == before
        assert not Customer.objects.filter(email="mari@loyalty.example").exists()


@pytest.mark.django_db
def test_existing_customers_skipped_by_the_batch_get_no_balance_or_card(alpha, shop, import_shop):
    rows = [HEADER, ["Kati", "Saar", "kati@loyalty.example", "ten", "not a card"]]
    with tenant_context(alpha.tenant):
        before = ledger()
        batch = run_check(alpha, rows, user=shop.admin, mode="skip")
        assert outcomes(batch) == {2: ("skip", "Kati Saar (same e-mail) exists already.")}
        run_import(alpha, batch)
        assert ledger() == before


@pytest.mark.django_db
def test_the_mapping_page_offers_the_loyalty_columns_and_proposes_them_by_name(alpha, import_shop, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    content = csv_bytes(
        [["E-mail", "Bonus points", "Card no", "Points"], ["m@x.ee", "10", stock_number(import_shop), "5"]]
    )
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("cards.csv", content)})
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        UPLOADED.append(ImportBatch.objects.get(pk=response["Location"].removeprefix(IMPORT_URL).split("/")[0]))
    page = client.get(response["Location"]).content.decode()

    def selected(index: int) -> str:
        select = page.split(f'name="column_{index}"')[1].split("</select>")[0]
        return select.split(" selected>")[0].rsplit('value="', 1)[1].rstrip('"')

    assert [selected(index) for index in range(4)] == ["email", "points_balance", "card_number", ""]
    assert '<optgroup label="Loyalty">' in page
    assert "Opening points balance" in page and "importing again adds nothing" in page


def stock_number(import_shop) -> str:
    return import_shop.stock[0]


def test_a_column_is_registered_once_and_never_over_a_customer_field():
    import_columns.register(import_columns_module.POINTS_BALANCE)  # again: nothing changes
    import_columns.register(import_columns_module.CARD_NUMBER)
    assert [column.code for column in import_columns.items()][-2:] == ["points_balance", "card_number"]
    for code in ("email", "status", "group", "card_number"):
        with pytest.raises(ImproperlyConfigured):
            import_columns.register(dataclasses.replace(import_columns_module.CARD_NUMBER, code=code, label="Other"))


def test_an_opening_balance_is_a_whole_number():
    points = import_columns_module._points
    assert [points(text) for text in ("0", "1200", "1 200", "1\u00a0200", "1200.00", "1200,0")] == [
        0,
        1200,
        1200,
        1200,
        1200,
        1200,
    ]
    assert [points(text) for text in ("-5", "12.5", "ten", "1e3", "100000001", "١٢")] == [None] * 6
