"""Merging two customers: what the kept record gets, what moves, what is refused, the later apps' steps."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django_tenants.utils import tenant_context

from customers.models import (
    ConsentEvent,
    Customer,
    CustomerEvent,
    CustomerGroup,
    CustomerNote,
    CustomerStatus,
    CustomProperty,
    ImportBatch,
    ImportRow,
)
from customers.selectors.customers import customer_active_count
from customers.services.customers import customer_consent_set, customer_create, customer_note_add
from customers.services.merging import customer_merge, merge_steps
from staff.models import User

UTC = datetime.UTC


def at(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 10, 0, tzinfo=UTC)


def history(customer: Customer) -> list[tuple]:
    return list(
        CustomerEvent.objects.filter(customer=customer)
        .order_by("id")
        .values_list("kind", "field", "old_value", "new_value", "source")
    )


def snapshot(*customers: Customer) -> dict:
    """Everything a refused merge must leave as it was."""
    return {
        "customers": Customer.objects.count(),
        "events": CustomerEvent.objects.count(),
        "notes": CustomerNote.objects.count(),
        "consents": ConsentEvent.objects.count(),
        "rows": [Customer.objects.filter(pk=customer.pk).values().get() for customer in customers],
        "notes_of": [list(CustomerNote.objects.filter(customer=c).values_list("pk", flat=True)) for c in customers],
    }


@pytest.mark.django_db
def test_a_merge_fills_empty_fields_adds_up_purchases_and_moves_notes_history_and_consent(alpha):
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username="admin")
        vip = CustomerGroup.objects.create(name="VIP")
        CustomProperty.objects.create(code="shoe_size", label_en="Shoe size", type=CustomProperty.Type.TEXT)
        CustomProperty.objects.create(code="tea", label_en="Favourite tea", type=CustomProperty.Type.TEXT)
        keep = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Mari", "last_name": "Tamm", "phone": "+3725123456"},
            property_values={"shoe_size": "38"},
            acting_user=admin,
        )
        remove = customer_create(
            tenant=alpha.tenant,
            fields={
                "first_name": "Mari",
                "last_name": "Tamm",
                "phone": "+3725999999",
                "email": "mari@example.com",
                "birth_date": datetime.date(1985, 4, 12),
                "city": "Tartu",
                "group": vip,
                "email_consent": True,
            },
            property_values={"shoe_size": "40", "tea": "green"},
            acting_user=admin,
            consent_source="signed form",
        )
        Customer.objects.filter(pk=keep.pk).update(
            purchase_count=2,
            purchase_total=Decimal("50.00"),
            first_purchase_at=at(2024, 1, 1),
            last_purchase_at=at(2024, 3, 1),
        )
        Customer.objects.filter(pk=remove.pk).update(
            purchase_count=3,
            purchase_total=Decimal("25.50"),
            first_purchase_at=at(2023, 6, 1),
            last_purchase_at=at(2024, 2, 1),
        )
        customer_note_add(customer=remove, text="Likes green tea", acting_user=admin)
        batch = ImportBatch.objects.create(file="imports/old.csv", original_name="old.csv")
        ImportRow.objects.create(batch=batch, row_number=2, outcome=ImportRow.Outcome.CREATE, customer=remove)
        removed_id = remove.pk
        active_before = customer_active_count()

        kept = customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=admin)

        assert kept.pk == keep.pk
        assert not Customer.objects.filter(pk=removed_id).exists()
        kept = Customer.objects.get(pk=keep.pk)
        assert (kept.first_name, kept.last_name, kept.phone) == ("Mari", "Tamm", "+3725123456")
        assert (kept.email, kept.birth_date, kept.city, kept.group) == (
            "mari@example.com",
            datetime.date(1985, 4, 12),
            "Tartu",
            vip,
        )
        assert kept.properties == {"shoe_size": "38", "tea": "green"}
        assert (kept.purchase_count, kept.purchase_total) == (5, Decimal("75.50"))
        assert (kept.first_purchase_at, kept.last_purchase_at) == (at(2023, 6, 1), at(2024, 3, 1))
        assert (kept.email_consent, kept.sms_consent) == (True, False)
        assert kept.status == CustomerStatus.CONTROL
        assert customer_active_count() == active_before - 1
        assert list(kept.notes.values_list("text", "author__username")) == [("Likes green tea", "admin")]
        assert list(batch.rows.values_list("row_number", "customer")) == [(2, kept.pk)]
        assert list(kept.consent_events.values_list("channel", "is_given", "source")) == [
            ("email", True, "signed form")
        ]
        assert history(kept) == [
            ("created", "", "", "Mari Tamm", "back office"),
            ("created", "", "", "Mari Tamm", "back office"),
            ("note", "", "", "Likes green tea", ""),
            ("changed", "group", "", "VIP", "merge"),
            ("changed", "birth_date", "", "1985-04-12", "merge"),
            ("changed", "email", "", "mari@example.com", "merge"),
            ("changed", "city", "", "Tartu", "merge"),
            ("changed", "email_consent", "no", "yes", "merge"),
            ("changed", "purchase_count", "2", "5", "merge"),
            ("changed", "purchase_total", "50.00", "75.50", "merge"),
            ("changed", "first_purchase_at", "2024-01-01T10:00:00+00:00", "2023-06-01T10:00:00+00:00", "merge"),
            ("changed", "property:tea", "", "green", "merge"),
            ("merged", "", "", f"Mari Tamm (#{removed_id})", "merge"),
        ]
        merged = CustomerEvent.objects.get(customer=kept, kind=CustomerEvent.Kind.MERGED)
        assert merged.actor == admin


@pytest.mark.django_db
def test_merging_two_businesses_moves_the_contact_persons(alpha):
    with tenant_context(alpha.tenant):
        keep = Customer.objects.create(kind=Customer.Kind.BUSINESS, company_name="Tamm OÜ", registry_code="12345678")
        remove = Customer.objects.create(
            kind=Customer.Kind.BUSINESS, company_name="Tamm OU", vat_number="EE100200300", payment_terms_days=14
        )
        piret = Customer.objects.create(first_name="Piret", last_name="Tamm", company=remove, department="Sales")
        jaan = Customer.objects.create(first_name="Jaan", last_name="Tamm", company=keep)

        customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        keep.refresh_from_db()
        assert (keep.company_name, keep.registry_code, keep.vat_number, keep.payment_terms_days) == (
            "Tamm OÜ",
            "12345678",
            "EE100200300",
            14,
        )
        assert sorted(keep.contacts.values_list("first_name", flat=True)) == ["Jaan", "Piret"]
        piret.refresh_from_db()
        assert (piret.company, piret.department) == (keep, "Sales")
        assert history(piret) == [("changed", "company", "Tamm OU", "Tamm OÜ", "merge")]
        assert history(jaan) == []


@pytest.mark.django_db
def test_an_archived_record_merged_with_an_active_one_becomes_active_and_the_count_stays(alpha):
    with tenant_context(alpha.tenant):
        keep = Customer.objects.create(first_name="Mari", last_name="Tamm", status=CustomerStatus.ARCHIVED)
        remove = Customer.objects.create(
            first_name="Mari", last_name="Tamm", phone="+3725123456", status=CustomerStatus.INTRODUCED
        )
        active_before = customer_active_count()

        customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        keep.refresh_from_db()
        assert (keep.status, keep.phone) == (CustomerStatus.INTRODUCED, "+3725123456")
        assert customer_active_count() == active_before
        assert ("status", "status", "archived", "introduced", "merge") in history(keep)


@pytest.mark.django_db
def test_a_record_that_would_become_introduced_without_required_data_becomes_control(alpha):
    with tenant_context(alpha.tenant):
        keep = Customer.objects.create(first_name="Mari", last_name="Tamm", status=CustomerStatus.ARCHIVED)
        remove = Customer.objects.create(
            first_name="Mari", last_name="Tamm", phone="+3725123456", status=CustomerStatus.INTRODUCED
        )
        # Made required after the other record was introduced; neither record has a value.
        CustomProperty.objects.create(code="loyalty_id", label_en="Loyalty id", type="text", is_required=True)

        customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        keep.refresh_from_db()
        assert keep.status == CustomerStatus.CONTROL


@pytest.mark.django_db
def test_an_active_record_keeps_its_status_when_the_other_is_archived(alpha):
    with tenant_context(alpha.tenant):
        keep = Customer.objects.create(first_name="Mari", last_name="Tamm", status=CustomerStatus.CONTROL)
        remove = Customer.objects.create(first_name="Mari", last_name="Tamm", status=CustomerStatus.ARCHIVED)
        active_before = customer_active_count()

        customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        keep.refresh_from_db()
        assert keep.status == CustomerStatus.CONTROL
        assert customer_active_count() == active_before


@pytest.mark.django_db
def test_keeps_own_consent_stays_and_a_later_withdrawal_on_keep_wins(alpha):
    with tenant_context(alpha.tenant):
        # Keep consented to e-mail; the other record withdrew it: keep's own consent stays.
        keep = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Mari", "last_name": "Tamm", "email_consent": True, "sms_consent": True},
            consent_source="till",
        )
        remove = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Mari", "last_name": "Tamm", "email_consent": True, "sms_consent": True},
            consent_source="web form",
        )
        customer_consent_set(
            tenant=alpha.tenant, customer=remove, channel="email", is_given=False, source="phone call", acting_user=None
        )
        # SMS: the other record consented, and keep withdrew later: the later withdrawal wins.
        customer_consent_set(
            tenant=alpha.tenant, customer=keep, channel="sms", is_given=False, source="letter", acting_user=None
        )

        customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        keep.refresh_from_db()
        assert (keep.email_consent, keep.sms_consent) == (True, False)
        assert sorted(keep.consent_events.values_list("channel", "is_given", "source")) == [
            ("email", False, "phone call"),
            ("email", True, "till"),
            ("email", True, "web form"),
            ("sms", False, "letter"),
            ("sms", True, "till"),
            ("sms", True, "web form"),
        ]


@pytest.mark.django_db
def test_a_consent_given_after_keeps_withdrawal_is_taken(alpha):
    with tenant_context(alpha.tenant):
        keep = customer_create(
            tenant=alpha.tenant, fields={"first_name": "Mari", "last_name": "Tamm", "sms_consent": True}
        )
        customer_consent_set(
            tenant=alpha.tenant, customer=keep, channel="sms", is_given=False, source="letter", acting_user=None
        )
        remove = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Mari", "last_name": "Tamm", "sms_consent": True},
            consent_source="web form",
        )

        customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        keep.refresh_from_db()
        assert (keep.email_consent, keep.sms_consent) == (False, True)


@pytest.mark.django_db
def test_registered_steps_run_in_order_inside_the_merge_before_the_removed_record_goes(alpha):
    with tenant_context(alpha.tenant):
        keep = Customer.objects.create(first_name="Mari", last_name="Tamm")
        remove = Customer.objects.create(first_name="Mari", last_name="Tamm", email="mari@example.com")
        CustomerNote.objects.create(customer=remove, text="Likes tea")
        calls = []

        def cards_step(step_keep, step_remove):
            calls.append(
                (
                    "cards",
                    step_keep.pk,
                    step_remove.pk,
                    Customer.objects.filter(pk=step_remove.pk).exists(),
                    Customer.objects.get(pk=step_keep.pk).email,
                    CustomerNote.objects.filter(customer=step_keep).count(),
                )
            )

        def points_step(step_keep, step_remove):
            calls.append(("points", step_keep.pk, step_remove.pk))

        with merge_steps.registered(cards_step), merge_steps.registered(points_step):
            assert merge_steps.items()[-2:] == (cards_step, points_step)
            customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)
        assert cards_step not in merge_steps and points_step not in merge_steps
        assert calls == [
            ("cards", keep.pk, remove.pk, True, "mari@example.com", 1),
            ("points", keep.pk, remove.pk),
        ]


@pytest.mark.django_db
def test_a_failing_step_rolls_the_whole_merge_back(alpha):
    with tenant_context(alpha.tenant):
        keep = Customer.objects.create(first_name="Mari", last_name="Tamm")
        remove = Customer.objects.create(first_name="Mari", last_name="Tamm", email="mari@example.com")
        CustomerNote.objects.create(customer=remove, text="Likes tea")
        before = snapshot(keep, remove)

        def failing_step(step_keep, step_remove):
            raise RuntimeError("the card could not move")

        with merge_steps.registered(failing_step), pytest.raises(RuntimeError, match="the card could not move"):
            customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)

        assert snapshot(keep, remove) == before


@pytest.mark.django_db
def test_merging_a_customer_with_itself_is_refused_and_changes_nothing(alpha):
    with tenant_context(alpha.tenant):
        mari = Customer.objects.create(first_name="Mari", last_name="Tamm")
        before = snapshot(mari)
        with pytest.raises(ValidationError) as refused:
            customer_merge(tenant=alpha.tenant, keep=mari, remove=mari, acting_user=None)
        assert refused.value.messages == ["A customer cannot be merged with itself."]
        assert snapshot(mari) == before


@pytest.mark.django_db
def test_merging_a_person_with_a_business_is_refused_and_changes_nothing(alpha):
    with tenant_context(alpha.tenant):
        person = Customer.objects.create(first_name="Mari", last_name="Tamm", phone="+3725123456")
        company = Customer.objects.create(kind=Customer.Kind.BUSINESS, company_name="Tamm OÜ", email="info@tamm.ee")
        CustomerNote.objects.create(customer=company, text="Pays late")
        before = snapshot(person, company)
        for keep, remove in ((person, company), (company, person)):
            with pytest.raises(ValidationError) as refused:
                customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)
            assert refused.value.messages == [
                "A private person and a business cannot be merged: only customers of the same type can."
            ]
        assert snapshot(person, company) == before


def test_two_opposite_merges_at_once_end_with_one_customer_and_no_deadlock(committed_db, alpha):
    """A into B and B into A at the same moment: both lock in primary-key order, so the second
    waits for the first and then finds its other customer gone."""
    with tenant_context(alpha.tenant):
        first = Customer.objects.create(first_name="Race", last_name="One", phone="+3725550001")
        second = Customer.objects.create(first_name="Race", last_name="Two", email="race@example.com")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def hold_the_locks(step_keep, step_remove):
        time.sleep(0.3)  # the other merge arrives while this one holds both rows

    def merge(keep, remove) -> None:
        try:
            barrier.wait()
            with tenant_context(alpha.tenant):
                customer_merge(tenant=alpha.tenant, keep=keep, remove=remove, acting_user=None)
            outcomes.append("merged")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            close_old_connections()
            connection.close()

    try:
        with merge_steps.registered(hold_the_locks):
            threads = [
                threading.Thread(target=merge, args=(first, second)),
                threading.Thread(target=merge, args=(second, first)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        assert sorted(outcomes) == [
            "One of the two customers no longer exists; it may have been merged already.",
            "merged",
        ]
        with tenant_context(alpha.tenant):
            survivors = list(Customer.objects.filter(pk__in=(first.pk, second.pk)))
            assert len(survivors) == 1
            assert CustomerEvent.objects.filter(customer=survivors[0], kind=CustomerEvent.Kind.MERGED).count() == 1
    finally:
        with tenant_context(alpha.tenant):
            Customer.objects.filter(pk__in=(first.pk, second.pk)).delete()
