"""The customers app's registries behave as every registry does (crm.registry): the same item
registered again is there once."""

from django.db.models import Q

from customers.selectors.search import search_conditions, search_q
from customers.services.merging import merge_steps


def by_city(term: str) -> Q:
    return Q(city__iexact=term)


def cards_step(keep, remove) -> None:
    """A later app's merge step (it moves nothing here)."""


def test_a_search_condition_registered_twice_is_asked_once():
    with search_conditions.registered(by_city):
        search_conditions.register(by_city)
        assert list(search_conditions).count(by_city) == 1
        assert str(search_q("Tartu")).count("city__iexact") == 1
    assert by_city not in search_conditions
    assert "city__iexact" not in str(search_q("Tartu"))


def test_a_merge_step_registered_twice_runs_once():
    with merge_steps.registered(cards_step):
        merge_steps.register(cards_step)
        assert list(merge_steps).count(cards_step) == 1
    assert cards_step not in merge_steps
