"""The retailer's cached configuration (crm.tenant_config): read once, rebuilt after any change
of its tables by any path, never shared between retailers, never poisoned by a rolled-back
change."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from crm.tenant_config import config_version
from loyalty.models import EarningRule, Programme, Tier
from loyalty.selectors.earning import earning_config
from sales.selectors.pricing import pricing_config
from tests.factories import CustomerGroupFactory, EarningRuleFactory, ProgrammeFactory, TierFactory


class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_a_warm_read_costs_one_statement_and_a_queryset_update_is_seen_at_once(alpha, django_assert_num_queries):
    with tenant_context(alpha.tenant):
        ProgrammeFactory(points_per_unit=Decimal("1"))
        assert earning_config().programme.points_per_unit == Decimal("1")
        with django_assert_num_queries(1):
            assert earning_config().programme.points_per_unit == Decimal("1")
        # Not through a service, not through save(): a bare UPDATE of the table.
        Programme.objects.filter(pk=1).update(points_per_unit=Decimal("2.5"))
        assert earning_config().programme.points_per_unit == Decimal("2.5")
        rule = EarningRuleFactory(name="Double")
        assert [r.name for r in earning_config().rules] == ["Double"]
        EarningRule.objects.filter(pk=rule.pk).update(is_active=False)
        assert earning_config().rules == ()
        group = CustomerGroupFactory(name="Staff")
        assert earning_config().customer_group_parents[group.pk] is None
        assert pricing_config().customer_group_parents[group.pk] is None
        # A change of the earned points' m2m tables counts too.
        rule.customer_groups.add(group)
        EarningRule.objects.filter(pk=rule.pk).update(is_active=True)
        assert [r.customer_group_ids for r in earning_config().rules] == [[group.pk]]


@pytest.mark.django_db
def test_each_retailer_reads_its_own(alpha, beta):
    with tenant_context(alpha.tenant):
        ProgrammeFactory(points_per_unit=Decimal("3"))
        TierFactory(name="Gold", min_spend=Decimal("500"))
        alpha_version = config_version()
    with tenant_context(beta.tenant):
        ProgrammeFactory(points_per_unit=Decimal("7"))
        Tier.objects.all().delete()
        assert earning_config().programme.points_per_unit == Decimal("7")
        assert earning_config().tiers == ()
        assert config_version()[0] != alpha_version[0]
    with tenant_context(alpha.tenant):
        assert earning_config().programme.points_per_unit == Decimal("3")
        assert [tier.name for tier in earning_config().tiers] == ["Gold"]


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_nothing_behind(alpha):
    with tenant_context(alpha.tenant):
        ProgrammeFactory(points_per_unit=Decimal("1"))
        assert earning_config().programme.points_per_unit == Decimal("1")
        before = config_version()
        with pytest.raises(Rollback), transaction.atomic():
            Programme.objects.filter(pk=1).update(points_per_unit=Decimal("9"))
            # Inside the changing transaction the change is read (the version moved with it) …
            assert earning_config().programme.points_per_unit == Decimal("9")
            rolled_back = config_version()
            raise Rollback
        # … and after its rollback, the version is the one before and the old settings are read.
        assert config_version() == before
        assert earning_config().programme.points_per_unit == Decimal("1")
        # The next change gets a version never seen before, so the rolled-back copy cannot return.
        Programme.objects.filter(pk=1).update(points_per_unit=Decimal("4"))
        assert config_version()[1] > rolled_back[1] > before[1]
        assert earning_config().programme.points_per_unit == Decimal("4")


@pytest.mark.usefixtures("committed_db")
def test_another_connection_sees_the_change_when_it_is_committed_not_before(alpha):
    """The version moves in the changing transaction: a till reading while an admin's change is
    not yet committed keeps the old settings, and reads the new ones right after the commit."""
    with tenant_context(alpha.tenant):
        ProgrammeFactory(points_per_unit=Decimal("1"))
    changed, read_during, committed = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def till():
        try:
            with tenant_context(alpha.tenant):
                changed.wait(10)
                seen["during"] = earning_config().programme.points_per_unit
                read_during.set()
                committed.wait(10)
                seen["after"] = earning_config().programme.points_per_unit
        finally:
            connection.close()

    reader = threading.Thread(target=till)
    reader.start()
    try:
        with tenant_context(alpha.tenant):
            with transaction.atomic():
                Programme.objects.filter(pk=1).update(points_per_unit=Decimal("6"))
                changed.set()
                assert read_during.wait(10)  # the reader has read while this is not committed
            committed.set()
            reader.join(timeout=10)
            assert seen == {"during": Decimal("1"), "after": Decimal("6")}
    finally:
        changed.set()
        committed.set()
        reader.join(timeout=10)
        with tenant_context(alpha.tenant):
            Programme.objects.filter(pk=1).delete()
