"""Settings → Customer groups: a tree; moving and deleting never orphans a customer."""

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomerGroup
from customers.services import group_create


@pytest.fixture
def tree(alpha):
    with tenant_context(alpha.tenant):
        regulars = group_create(name="Regulars")
        weekly = group_create(name="Weekly", parent=regulars)
        daily = group_create(name="Daily", parent=weekly)
        vip = group_create(name="VIP")
        Customer.objects.create(first_name="Mari", last_name="Tamm", group=weekly)
        Customer.objects.create(first_name="Jaan", last_name="Saar", group=weekly)
    return {"regulars": regulars, "weekly": weekly, "daily": daily, "vip": vip}


@pytest.mark.django_db
def test_the_tree_lists_groups_under_their_parents_with_counts(alpha, tree, tenant_client):
    response = tenant_client(alpha, alpha.admin).get("/settings/customers/groups/")
    nodes = [(node.group.name, node.depth, node.customer_count) for node in response.context["nodes"]]
    assert nodes == [("Regulars", 0, 0), ("Weekly", 1, 2), ("Daily", 2, 0), ("VIP", 0, 0)]


@pytest.mark.django_db
def test_a_group_cannot_move_below_itself(alpha, tree, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        f"/settings/customers/groups/{tree['regulars'].pk}/", {"name": "Regulars", "parent": tree["daily"].pk}
    )
    assert response.context["form"].errors["parent"] == [
        f"Select a valid choice. {tree['daily'].pk} is not one of the available choices."
    ]
    with tenant_context(alpha.tenant):
        assert CustomerGroup.objects.get(pk=tree["regulars"].pk).parent is None


@pytest.mark.django_db
def test_moving_a_group_takes_its_customers_and_sub_groups_along(alpha, tree, tenant_client):
    tenant_client(alpha, alpha.admin).post(
        f"/settings/customers/groups/{tree['weekly'].pk}/", {"name": "Weekly", "parent": tree["vip"].pk}
    )
    vip_filter = tenant_client(alpha, alpha.marketer).get(f"/customers/?group={tree['vip'].pk}")
    assert len(vip_filter.context["rows"]) == 2


@pytest.mark.django_db
def test_a_sibling_with_the_same_name_is_refused(alpha, tree, tenant_client):
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/customers/groups/new/", {"name": "weekly", "parent": tree["regulars"].pk}
    )
    assert response.context["form"].errors["name"] == [
        "A group with this name already exists at this place in the tree."
    ]
    with tenant_context(alpha.tenant):
        assert CustomerGroup.objects.count() == 4


@pytest.mark.django_db
def test_deleting_a_group_asks_where_its_customers_go(alpha, tree, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    page = client.get(f"/settings/customers/groups/{tree['weekly'].pk}/delete/").content.decode()
    assert "2 customers are in this group. Where should they go?" in page
    response = client.post(
        f"/settings/customers/groups/{tree['weekly'].pk}/delete/", {"move_customers_to": tree["vip"].pk}, follow=True
    )
    assert "Group “Weekly” deleted; 2 customers moved." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert set(Customer.objects.values_list("group__name", flat=True)) == {"VIP"}
        assert CustomerGroup.objects.get(name="Daily").parent.name == "Regulars"
        assert CustomerEvent.objects.filter(field="group", old_value="Weekly", new_value="VIP").count() == 2


@pytest.mark.django_db
def test_only_the_admin_manages_groups(alpha, tree, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    assert client.post(f"/settings/customers/groups/{tree['vip'].pk}/delete/", {}).status_code == 403
    with tenant_context(alpha.tenant):
        assert CustomerGroup.objects.filter(pk=tree["vip"].pk).exists()
