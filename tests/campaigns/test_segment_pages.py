"""The segments' pages over HTTP: rights, the builder's htmx steps (add, remove, count again),
saving with every problem named and nothing written, a segment's page, two retailers apart."""

from urllib.parse import urlencode

import pytest
from django.utils.html import escape
from django_tenants.utils import tenant_context

from campaigns.models import Segment, SegmentEvent
from campaigns.rules import Condition, ConditionGroup, Definition
from campaigns.services.segments import segment_create
from customers.models import CustomProperty
from tests.factories import CustomerFactory, CustomPropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoppers(alpha):
    with tenant_context(alpha.tenant):
        CustomerFactory(first_name="Often", purchase_count=7, sms_consent=True)
        CustomerFactory(first_name="Seldom", purchase_count=1)
        CustomerFactory(first_name="Never")


def _post(client, path: str, data: dict, *, htmx: bool = False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(path, data, **headers)


def test_cashiers_may_not_open_segments_and_marketers_may(alpha, tenant_client):
    cashier = tenant_client(alpha, alpha.cashier)
    for path in ("/segments/", "/segments/new/"):
        assert cashier.get(path).status_code == 403
    assert _post(cashier, "/segments/new/", {"action": "save", "name": "X"}).status_code == 403
    with tenant_context(alpha.tenant):
        assert not Segment.objects.exists()
    marketer = tenant_client(alpha, alpha.marketer)
    assert marketer.get("/segments/").status_code == 200
    assert marketer.get("/segments/new/").status_code == 200


def test_the_builder_counts_again_at_every_step(alpha, shoppers, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    start = client.get("/segments/new/")
    assert start.context["count"] == 3
    step = {"name": "", "g0-c0-field": "purchase_count", "g0-c0-operator": "gte", "g0-c0-value": "2"}
    response = _post(client, "/segments/new/", step)
    assert response.status_code == 200
    assert response.context["count"] == 1
    assert [customer.first_name for customer in response.context["preview"]] == ["Often"]
    # What htmx gets: the builder alone, counted.
    partial = _post(client, "/segments/new/", step, htmx=True).content.decode()
    assert partial.lstrip().startswith('<form method="post" id="builder"') and "<html" not in partial
    assert '<h2 class="h5" aria-live="polite" data-testid="segment-count">1 customer</h2>' in partial

    # A second group (or): a blank condition whose field comes first in the list (status).
    response = _post(client, "/segments/new/", {**step, "action": "group"})
    groups = response.context["groups"]
    assert [len(group) for group in groups] == [1, 1]
    assert groups[1][0].condition.field == "status"
    # The new condition is a choice: complete at once (status is Introduced) and counted.
    assert response.context["count"] == 3

    # An unfinished number is not counted and names no problem yet.
    unfinished = {**step, "g0-c1-field": "age", "g0-c1-operator": "gte", "g0-c1-value": ""}
    response = _post(client, "/segments/new/", unfinished)
    assert response.context["count"] == 1
    assert response.context["incomplete"] is True
    assert [row.problem for row in response.context["groups"][0]] == ["", ""]

    response = _post(client, "/segments/new/", {**unfinished, "action": "remove:0:1"})
    assert [len(group) for group in response.context["groups"]] == [1]


def test_saving_names_every_problem_and_writes_nothing_then_saves(alpha, shoppers, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    bad = {
        "action": "save",
        "name": "",
        "g0-c0-field": "purchase_count",
        "g0-c0-operator": "gte",
        "g0-c0-value": "lots",
        "g1-c0-field": "age",
        "g1-c0-operator": "gte",
        "g1-c0-value": "",
    }
    response = _post(client, "/segments/new/", bad)
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert [row.problem for group in response.context["groups"] for row in group] == [
        "Number of purchases: give a number.",
        "Age: give a number.",
    ]
    page = response.content.decode()
    assert "Number of purchases: give a number." in page and "Age: give a number." in page
    with tenant_context(alpha.tenant):
        assert not Segment.objects.exists() and not SegmentEvent.objects.exists()

    good = {**bad, "name": "Frequent", "g0-c0-value": "2", "g1-c0-field": "sms_consent", "g1-c0-value": "yes"}
    del good["g1-c0-operator"]
    response = _post(client, "/segments/new/", good, htmx=True)
    with tenant_context(alpha.tenant):
        segment = Segment.objects.get()
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/segments/{segment.pk}/"
    assert Definition.of_data(segment.definition) == Definition(
        (
            ConditionGroup((Condition("purchase_count", "gte", "2"),)),
            ConditionGroup((Condition("sms_consent", "is", "yes"),)),
        )
    )
    detail = client.get(f"/segments/{segment.pk}/")
    assert detail.context["count"] == 1
    assert detail.context["words"] == [["Number of purchases at least 2"], ["Consents to SMS marketing is Yes"]]
    assert f'href="/customers/?segment_id={segment.pk}"' in detail.content.decode()


def test_a_segment_of_alpha_is_unknown_at_beta(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        segment = segment_create(name="Alpha only", definition=Definition(), acting_user=None)
    with tenant_context(beta.tenant):
        assert not Segment.objects.filter(pk=segment.pk).exists()
    beta_client = tenant_client(beta, beta.marketer)
    assert beta_client.get(f"/segments/{segment.pk}/").status_code == 404
    assert beta_client.post(f"/segments/{segment.pk}/archive/", {"archive": "1"}).status_code == 404
    assert "Alpha only" not in beta_client.get("/segments/").content.decode()
    with tenant_context(alpha.tenant):
        assert Segment.objects.get(pk=segment.pk).is_archived is False


def test_the_customer_lists_filter_is_saved_as_a_segment_with_what_was_left_out(alpha, shoppers, tenant_client):
    with tenant_context(alpha.tenant):
        prop = CustomPropertyFactory(code="shoe_size", label_en="Shoe size", type=CustomProperty.Type.NUMBER)
    marketer = tenant_client(alpha, alpha.marketer)
    query = "status=control&sms_consent=yes&purchases_min=2&p_shoe_size_min=40&last_purchase_before=2026-03-01"
    listed = marketer.get(f"/customers/?{query}&q=tamm&birthday_within=7&sort=name")
    link = f"/segments/new/?{urlencode({'from_list': listed.wsgi_request.GET.urlencode()})}"
    assert f'href="{escape(link)}"' in listed.content.decode()
    assert "Save as segment" not in tenant_client(alpha, alpha.cashier).get(f"/customers/?{query}").content.decode()

    builder = marketer.get(link)
    conditions = [row.condition for row in builder.context["groups"][0]]
    assert conditions == [
        Condition("status", "is", "control"),
        Condition("sms_consent", "is", "yes"),
        Condition("purchase_count", "gte", "2"),
        Condition(f"p:{prop.code}", "gte", "40"),
        Condition("last_purchase", "lte", "2026-02-28"),
    ]
    assert builder.context["left_out"] == ["Search", "Birthday in the next … days"]
    assert "have no condition in a segment and were left out: Search; Birthday in the next … days" in (
        builder.content.decode()
    )
