"""The rights of each role follow the table in PRODUCT.md, and views enforce them."""

import pytest
from django_tenants.utils import tenant_context

from staff.models import User
from staff.roles import ROLE_RIGHTS, Right, Role, perm

# PRODUCT.md's table, row by row: which roles hold each right.
PRODUCT_TABLE = {
    Right.VIEW_CUSTOMERS: {Role.ADMIN, Role.MARKETER, Role.CASHIER},
    Right.CREATE_CUSTOMERS: {Role.ADMIN, Role.MARKETER, Role.CASHIER},
    Right.EDIT_CUSTOMERS: {Role.ADMIN, Role.MARKETER},
    Right.MANAGE_CUSTOMERS: {Role.ADMIN, Role.MARKETER},
    Right.MANAGE_CARDS: {Role.ADMIN, Role.MARKETER, Role.CASHIER},
    Right.ADJUST_POINTS: {Role.ADMIN},
    Right.USE_MARKETING: {Role.ADMIN, Role.MARKETER},
    Right.MANAGE_SETTINGS: {Role.ADMIN},
    Right.MANAGE_STAFF: {Role.ADMIN},
}


def test_role_rights_match_the_product_table():
    for right, roles in PRODUCT_TABLE.items():
        assert {role for role, rights in ROLE_RIGHTS.items() if right in rights} == roles, right


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_group_holds_exactly_its_rights(alpha, role):
    with tenant_context(alpha.tenant):
        user = User.objects.get(username=role.value)
        held = {right for right in Right if user.has_perm(perm(right))}
    assert held == {right for right, roles in PRODUCT_TABLE.items() if role in roles}


# (url, role that may open it); other roles get 403.
PAGES = [
    ("/", {Role.ADMIN, Role.MARKETER, Role.CASHIER}),
    ("/settings/staff/", {Role.ADMIN}),
    ("/settings/staff/new/", {Role.ADMIN}),
    ("/settings/plan/", {Role.ADMIN}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("url", "allowed"), PAGES)
def test_views_enforce_rights(alpha, role, url, allowed, tenant_client):
    login = {Role.ADMIN: alpha.admin, Role.MARKETER: alpha.marketer, Role.CASHIER: alpha.cashier}[role]
    response = tenant_client(alpha, login).get(url)
    if role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Your role does not allow this page" in response.content.decode()


@pytest.mark.django_db
def test_staff_actions_are_refused_to_a_marketer_and_change_nothing(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        cashier = User.objects.get(username="cashier")
    client = tenant_client(alpha, alpha.marketer)
    response = client.post(f"/settings/staff/{cashier.pk}/deactivate/")
    assert response.status_code == 403
    with tenant_context(alpha.tenant):
        assert User.objects.get(pk=cashier.pk).is_active is True


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(alpha, tenant_client):
    response = tenant_client(alpha).get("/settings/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/settings/staff/"
