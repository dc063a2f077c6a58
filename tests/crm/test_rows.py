"""The look-ups made by one fixed statement (crm.rows) give what the ORM gives."""

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from crm.rows import JoinedSelect
from sales.models import Terminal
from sales.selectors.terminals import terminal_of_token
from tenants.models import Domain
from tenants.selectors import tenant_of_hostname
from tests.factories import StoreFactory, TerminalFactory


def selects(queries) -> int:
    """The statements run, but the search path django-tenants sets."""
    return sum(1 for query in queries if not query["sql"].startswith("SET search_path"))


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.mark.django_db
def test_the_tenant_of_a_host_name_is_the_orms_with_its_plan_in_one_statement(alpha, beta):
    for setup in (alpha, beta):
        expected = Domain.objects.select_related("tenant__plan").get(domain=setup.host).tenant
        with CaptureQueriesContext(connection) as queries:
            tenant = tenant_of_hostname(hostname=setup.host)
            plan = tenant.plan
        assert selects(queries) == 1
        assert field_values(tenant) == field_values(expected)
        assert field_values(plan) == field_values(expected.plan)
        assert plan.name == "Business"
        assert tenant._state.adding is False and tenant._state.db == "default"
    assert tenant_of_hostname(hostname="nobody.localhost") is None


@pytest.mark.django_db
def test_the_platforms_own_tenant_has_no_plan_and_comes_with_none():
    with CaptureQueriesContext(connection) as queries:
        tenant = tenant_of_hostname(hostname="localhost")
        assert tenant.plan is None
    assert selects(queries) == 1
    assert tenant.schema_name == "public"


@pytest.mark.django_db
def test_the_terminal_of_a_token_is_the_orms_with_its_store_and_only_in_its_retailer(alpha, beta):
    with tenant_context(alpha.tenant):
        store = StoreFactory(name="Tartu")
        terminal = TerminalFactory(store=store, name="Till 2", token="alpha-token-of-till-2")
        expected = Terminal.objects.select_related("store").get(pk=terminal.pk)
        with CaptureQueriesContext(connection) as queries:
            found = terminal_of_token(token="alpha-token-of-till-2")
            assert found.store.name == "Tartu"
        assert selects(queries) == 1
        assert field_values(found) == field_values(expected)
        assert field_values(found.store) == field_values(expected.store)
        assert terminal_of_token(token="alpha-token-of-till-") is None
    with tenant_context(beta.tenant):
        assert terminal_of_token(token="alpha-token-of-till-2") is None


def test_a_model_with_a_field_that_needs_a_converter_is_refused():
    class Carrier(models.Model):
        data = models.JSONField()

        class Meta:
            app_label = "tests"

        def __str__(self) -> str:
            return str(self.pk)

    with pytest.raises(TypeError, match="Carrier.data needs a converter"):
        JoinedSelect(Carrier, "t0.id = %s")


@pytest.mark.django_db
def test_a_card_by_its_number_is_the_orms_with_type_successor_holder_and_balance_in_one_statement(alpha):
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from loyalty.models import Card, PointsAccount
    from loyalty.selectors.card_lookup import card_by_number
    from tests.factories import CardFactory

    with tenant_context(alpha.tenant):
        old = CardFactory()
        new = CardFactory(customer=old.customer)
        Card.objects.filter(pk=old.pk).update(status=Card.Status.REPLACED, replaced_by=new)
        PointsAccount.objects.create(customer=old.customer, balance=120)
        stock = CardFactory(stock=True)
        for card in (old, new, stock):
            expected = (
                Card.objects.select_related("card_type", "replaced_by", "customer")
                .annotate(points=Coalesce(F("customer__points_account__balance"), Value(0)))
                .get(pk=card.pk)
            )
            with CaptureQueriesContext(connection) as queries:
                found = card_by_number(number=card.number, on=timezone.localdate())
                holder_name = None if found.customer is None else str(found.customer.customer)
            assert selects(queries) == 1
            for name in ("number", "status", "balance", "valid_until", "card_type_id", "customer_id"):
                assert getattr(found.card, name) == getattr(expected, name)
            assert field_values(found.card.card_type) == field_values(expected.card_type)
            assert (found.card.replaced_by and found.card.replaced_by.number) == (
                expected.replaced_by and expected.replaced_by.number
            )
            assert holder_name == (None if expected.customer is None else str(expected.customer))
            assert (found.customer and found.customer.points_balance) == (expected.customer and expected.points)
        assert card_by_number(number=old.number, on=timezone.localdate()).customer.points_balance == 120
        assert card_by_number(number=stock.number, on=timezone.localdate()).customer is None
    with tenant_context(alpha.tenant):
        assert card_by_number(number="0000000", on=timezone.localdate()) is None


def test_only_names_a_part_of_the_statement():
    with pytest.raises(ValueError, match="`only` names no part of the statement: \\['plan'\\]"):
        JoinedSelect(Terminal, "t0.id = %s", joins=("store",), only={"plan": ("name",)})
