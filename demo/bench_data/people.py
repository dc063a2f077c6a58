"""Customers and their cards, set-based."""

from customers.models import Customer
from demo.bench_data import BenchSize
from demo.bench_data.catalogue import EAN13_FUNCTION, Catalogue
from demo.bench_data.inserts import execute, insert_select, scalar, sequence_sync
from loyalty.models import Card

FIRST = "Anna Maria Kati Liis Mari Eva Laura Sofia Emma Mia Jaan Peeter Karl Mati Andres Markus Lukas Jonas Tom Paul"
LAST = (
    "Tamm Saar Sepp Mägi Kask Kukk Rebane Ilves Pärn Koppel Müller Schmidt Schneider Fischer Weber Meyer Wagner "
    "Becker Smith Jones Brown Taylor Wilson Evans"
)
CITIES = "Tallinn Tartu Pärnu Narva Berlin Hamburg München Riga Helsinki"


def _words(text: str) -> str:
    return "(ARRAY[" + ",".join("'" + word + "'" for word in text.split()) + "])"


def customers_create(size: BenchSize, catalogue: Catalogue, anchor: str) -> None:
    """Every customer a person; 3 % archived, 60 % in a group; properties for nine in ten."""
    first, last = _words(FIRST), _words(LAST)
    insert_select(
        Customer,
        {
            "status": "CASE WHEN r1 < 0.03 THEN 'archived' WHEN r1 < 0.75 THEN 'introduced' ELSE 'control' END",
            "group_id": "CASE WHEN r2 < 0.6 THEN (%s::bigint[])[1 + floor(r2 / 0.6 * %s)::int] END",
            "first_name": f"{first}[1 + mod(i * 31, 20)]",
            "last_name": f"{last}[1 + mod(i * 17 + i / 7, 24)]",
            "birth_date": "date '1940-01-01' + floor(r3 * 23000)::int",
            "gender": "CASE WHEN mod(i * 31, 20) < 10 THEN 'female' ELSE 'male' END",
            "phone": "'+3725' || lpad(i::text, 7, '0')",
            "email": f"lower(translate({first}[1 + mod(i * 31, 20)] || '.' || {last}[1 + mod(i * 17 + i / 7, 24)], "
            "'äöüõšž', 'aouosz')) || '.' || i || '@example.net'",
            "language": "(ARRAY['et', 'en', 'de'])[1 + floor(r4 * 3)::int]",
            "city": f"{_words(CITIES)}[1 + floor(r4 * 9)::int]",
            "country": "'EE'",
            "email_consent": "r5 < 0.6",
            "sms_consent": "r5 < 0.35",
            "properties": "CASE WHEN r6 < 0.1 THEN '{}'::jsonb ELSE jsonb_build_object("
            "'shoe_size', (35 + floor(r6 * 12))::text, "
            "'channel', (ARRAY['store', 'web', 'phone'])[1 + floor(r7 * 3)::int], "
            "'pet_owner', r7 < 0.4) END",
            "created_at": f"timestamptz '{anchor}' - make_interval(secs => r8 * 3 * 365 * 86400)",
            "updated_at": f"timestamptz '{anchor}'",
        },
        "FROM (SELECT i, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, "
        "random() r7, random() r8 FROM generate_series(1, %s) i) s",
        [catalogue.group_ids, len(catalogue.group_ids), size.customers],
    )
    sequence_sync(Customer)


def cards_create(size: BenchSize, catalogue: Catalogue, anchor: str) -> None:
    """A bonus card for every customer not archived (1 % of them blocked), a 10 % discount card for
    one customer in ten; the rest of the size's cards are stock. Numbers: the type's prefix, a
    serial of seven digits, the EAN-13 check digit."""
    execute(EAN13_FUNCTION)
    first = scalar("SELECT min(id) FROM customers_customer")
    bonus, discount = catalogue.bonus_type, catalogue.discount_type
    insert_select(
        Card,
        {
            "number": "pg_temp.ean13('29001' || lpad(row_number() OVER (ORDER BY id)::text, 7, '0'))",
            "card_type_id": str(bonus.pk),
            "customer_id": "id",
            "status": "CASE WHEN mod(id, 100) = 7 THEN 'blocked' ELSE 'active' END",
            "assigned_at": "created_at",
            "created_at": "created_at",
        },
        "FROM customers_customer WHERE status <> 'archived' ORDER BY id",
    )
    insert_select(
        Card,
        {
            "number": "pg_temp.ean13('29002' || lpad(row_number() OVER (ORDER BY id)::text, 7, '0'))",
            "card_type_id": str(discount.pk),
            "customer_id": "id",
            "status": "'active'",
            "assigned_at": "created_at",
            "created_at": "created_at",
        },
        "FROM customers_customer WHERE mod(id - %s, 10) = 3 AND status <> 'archived' ORDER BY id",
        [first],
    )
    made = scalar("SELECT count(*) FROM loyalty_card")
    discount_count = scalar("SELECT count(*) FROM loyalty_card WHERE card_type_id = %s", [discount.pk])
    stock = max(0, size.cards - made)
    bonus_count = made - discount_count
    insert_select(
        Card,
        {
            "number": "pg_temp.ean13('29001' || lpad((%s + i)::text, 7, '0'))",
            "card_type_id": str(bonus.pk),
            "status": "'stock'",
            "created_at": f"timestamptz '{anchor}'",
        },
        "FROM generate_series(1, %s) i",
        [bonus_count, stock],
    )
    execute("UPDATE loyalty_cardtype SET last_serial = %s WHERE id = %s", [bonus_count + stock, bonus.pk])
    execute("UPDATE loyalty_cardtype SET last_serial = %s WHERE id = %s", [discount_count, discount.pk])
    sequence_sync(Card)
