import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.registry import Registry


def test_items_keep_registration_order_and_the_same_item_twice_is_one():
    steps: Registry = Registry("steps")
    first, second = object(), object()
    steps.register(first)
    steps.register(second)
    steps.register(first)

    assert steps.items() == (first, second)
    assert len(steps) == 2


def test_another_item_under_a_taken_key_is_refused():
    columns: Registry = Registry("import columns", key=lambda item: item[0])
    columns.register(("points", 1))

    with pytest.raises(ImproperlyConfigured, match="points"):
        columns.register(("points", 2))
    assert columns.get("points") == ("points", 1)


def test_order_sorts_and_registered_is_undone_after_the_block():
    tabs: Registry = Registry("tabs", key=lambda item: item[0], order=lambda item: item[1])
    tabs.register(("sales", 20))
    with tabs.registered(("overview", 10)):
        assert tabs.keys() == ("overview", "sales")
    assert tabs.keys() == ("sales",)
    assert "overview" not in tabs
