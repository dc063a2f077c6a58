"""The database guards the ledger: entries are never updated (but for a merge moving them to the
kept customer) or deleted, and each new entry must carry the balance it leaves, which the insert
trigger also writes to the customer's account; the cached balance therefore always equals the
sum of the entries."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION loyalty_points_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_balance bigint;
BEGIN
    UPDATE loyalty_pointsaccount SET balance = balance + NEW.points
        WHERE customer_id = NEW.customer_id RETURNING balance INTO new_balance;
    IF NOT FOUND THEN
        INSERT INTO loyalty_pointsaccount (customer_id, balance) VALUES (NEW.customer_id, NEW.points)
            RETURNING balance INTO new_balance;
    END IF;
    IF new_balance IS DISTINCT FROM NEW.balance_after THEN
        RAISE EXCEPTION 'points entry for customer % says balance %, the ledger makes it %',
            NEW.customer_id, NEW.balance_after, new_balance USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION loyalty_points_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved loyalty_pointsentry;
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'points entries are never deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    moved := NEW;
    moved.customer_id := OLD.customer_id;
    moved.merged_from := OLD.merged_from;
    moved.once_key := OLD.once_key;
    IF moved IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'points entries are never changed' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER loyalty_points_entry_insert BEFORE INSERT ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_points_entry_insert();
CREATE TRIGGER loyalty_points_entry_guard BEFORE UPDATE OR DELETE ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_points_entry_guard();
CREATE TRIGGER loyalty_points_entry_no_truncate BEFORE TRUNCATE ON loyalty_pointsentry
    FOR EACH STATEMENT EXECUTE FUNCTION loyalty_points_entry_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS loyalty_points_entry_no_truncate ON loyalty_pointsentry;
DROP TRIGGER IF EXISTS loyalty_points_entry_guard ON loyalty_pointsentry;
DROP TRIGGER IF EXISTS loyalty_points_entry_insert ON loyalty_pointsentry;
DROP FUNCTION IF EXISTS loyalty_points_entry_guard();
DROP FUNCTION IF EXISTS loyalty_points_entry_insert();
"""


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
