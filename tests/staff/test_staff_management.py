"""The tenant admin's staff page: invite, create, change role, grant a right, deactivate."""

import re
import threading

import pytest
from django.db import close_old_connections, connection
from django_tenants.utils import tenant_context

from staff.models import StaffEvent, User
from staff.roles import Right, Role, perm
from staff.services import staff_create
from tariffs.models import TariffPlan
from tariffs.selectors import PlanLimitReached
from tenants.services import tenant_create


def staff_count(setup) -> int:
    with tenant_context(setup.tenant):
        return User.objects.count()


@pytest.mark.django_db
def test_admin_invites_a_marketer_who_chooses_a_password_and_logs_in(
    alpha, mailoutbox, django_capture_on_commit_callbacks, tenant_client
):
    admin = tenant_client(alpha, alpha.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/settings/staff/new/",
            {
                "username": "kadri",
                "email": "Kadri@Alpha.example",
                "first_name": "Kadri",
                "last_name": "Tamm",
                "role": "marketer",
                "language": "et",
            },
            follow=True,
        )
    assert "An invitation was sent to kadri@alpha.example." in response.content.decode()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["kadri@alpha.example"]
    assert mail.subject == "Teid kutsuti Regularsis kasutajaks: Alpha Shop"
    link = re.search(r"http://alpha\.localhost(/password/reset/\S+)", mail.body).group(1)
    visitor = tenant_client(alpha)
    form_page = visitor.get(link, follow=True)
    visitor.post(
        form_page.redirect_chain[-1][0], {"new_password1": "kadri-chose-this-1", "new_password2": "kadri-chose-this-1"}
    )
    tenant_client(alpha, type(alpha.admin)("kadri", "kadri-chose-this-1"))
    with tenant_context(alpha.tenant):
        kadri = User.objects.get(username="kadri")
        assert kadri.role == Role.MARKETER
        assert kadri.email == "kadri@alpha.example"
        assert list(StaffEvent.objects.filter(user=kadri).values_list("kind", "new_value")) == [("created", "Marketer")]


@pytest.mark.django_db
def test_admin_creates_a_cashier_with_a_password_and_the_points_right(alpha, tenant_client):
    admin = tenant_client(alpha, alpha.admin)
    admin.post(
        "/settings/staff/new/",
        {
            "username": "jaan",
            "first_name": "Jaan",
            "last_name": "Saar",
            "role": "cashier",
            "can_adjust_points": "on",
            "password": "jaan-starts-here-7",
        },
    )
    with tenant_context(alpha.tenant):
        jaan = User.objects.get(username="jaan")
        assert jaan.has_perm(perm(Right.ADJUST_POINTS))
        assert not jaan.has_perm(perm(Right.EDIT_CUSTOMERS))
    tenant_client(alpha, type(alpha.admin)("jaan", "jaan-starts-here-7"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"username": "admin", "role": "cashier", "password": "long-enough-password-1"},
            "username",
            "A staff user with this user name already exists.",
        ),
        (
            {"username": "new", "email": "marketer@alpha.example", "role": "cashier"},
            "email",
            "A staff user with this e-mail address already exists.",
        ),
        (
            {"username": "new", "role": "cashier"},
            "email",
            "Enter an e-mail address for the invitation, or set an initial password.",
        ),
        ({"username": "new", "email": "not-an-address", "role": "cashier"}, "email", "Enter a valid email address."),
        (
            {"username": "new user", "role": "cashier", "password": "long-enough-password-1"},
            "username",
            "Use letters, digits and @ . + - _ only.",
        ),
        (
            {"username": "new", "role": "owner", "password": "long-enough-password-1"},
            "role",
            "Select a valid choice. owner is not one of the available choices.",
        ),
        (
            {"username": "new", "role": "cashier", "password": "123"},
            "password",
            "This password is too short. It must contain at least 8 characters.",
        ),
    ],
)
def test_bad_staff_input_is_refused_with_a_message_and_nothing_is_created(alpha, data, field, message, tenant_client):
    before = staff_count(alpha)
    response = tenant_client(alpha, alpha.admin).post("/settings/staff/new/", data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert staff_count(alpha) == before


@pytest.mark.django_db
def test_the_plan_limit_on_staff_is_enforced_with_a_clear_message(alpha, tenant_client):
    plan = alpha.tenant.plan
    TariffPlan.objects.filter(pk=plan.pk).update(max_staff_users=3)
    before = staff_count(alpha)
    response = tenant_client(alpha, alpha.admin).post(
        "/settings/staff/new/", {"username": "extra", "role": "cashier", "password": "long-enough-password-1"}
    )
    assert response.context["form"].errors["__all__"] == [
        f"Staff users: the plan “{plan.name}” allows 3 and 3 are in use. Ask the platform operator for a larger plan."
    ]
    assert staff_count(alpha) == before


@pytest.mark.django_db
def test_deactivation_frees_a_seat_and_reactivation_over_the_limit_is_refused(alpha, tenant_client):
    TariffPlan.objects.filter(pk=alpha.tenant.plan_id).update(max_staff_users=3)
    admin = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        cashier = User.objects.get(username="cashier")
    response = admin.post(f"/settings/staff/{cashier.pk}/deactivate/", follow=True)
    assert "cashier can no longer log in." in response.content.decode()
    admin.post(
        "/settings/staff/new/", {"username": "newcomer", "role": "cashier", "password": "long-enough-password-1"}
    )
    response = admin.post(f"/settings/staff/{cashier.pk}/reactivate/", follow=True)
    assert "Staff users: the plan" in response.content.decode()
    with tenant_context(alpha.tenant):
        assert User.objects.get(pk=cashier.pk).is_active is False
        assert User.objects.filter(is_active=True).count() == 3


@pytest.mark.django_db
def test_admin_changes_a_role_and_the_history_shows_it(alpha, tenant_client):
    admin = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        cashier = User.objects.get(username="cashier")
    admin.post(
        f"/settings/staff/{cashier.pk}/",
        {
            "email": "cashier@alpha.example",
            "first_name": "Cashier",
            "last_name": "Alpha",
            "role": "marketer",
            "language": "",
        },
    )
    page = admin.get(f"/settings/staff/{cashier.pk}/").content.decode()
    assert "Role changed" in page
    with tenant_context(alpha.tenant):
        cashier = User.objects.get(pk=cashier.pk)
        assert cashier.role == Role.MARKETER
        event = StaffEvent.objects.get(user=cashier, kind="role_changed")
        assert (event.old_value, event.new_value, event.actor.username) == ("Cashier", "Marketer", "admin")


@pytest.mark.django_db
def test_the_only_admin_cannot_be_demoted_or_deactivated(alpha, tenant_client):
    admin = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        me = User.objects.get(username="admin")
    response = admin.post(
        f"/settings/staff/{me.pk}/",
        {"email": "admin@alpha.example", "first_name": "", "last_name": "", "role": "cashier", "language": ""},
    )
    assert response.context["form"].errors["role"] == [
        "This is the only active admin; make someone else an admin first."
    ]
    response = admin.post(f"/settings/staff/{me.pk}/deactivate/", follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    with tenant_context(alpha.tenant):
        me = User.objects.get(pk=me.pk)
        assert (me.role, me.is_active) == (Role.ADMIN, True)


@pytest.mark.django_db
def test_staff_list_shows_every_member_in_a_fixed_number_of_queries(
    alpha, django_assert_max_num_queries, tenant_client
):
    admin = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        for number in range(8):
            staff_create(
                tenant=alpha.tenant,
                username=f"extra{number}",
                email="",
                first_name="",
                last_name="",
                role=Role.CASHIER,
                password="x",
            )
    connection.set_schema_to_public()
    with django_assert_max_num_queries(18):
        response = admin.get("/settings/staff/")
    assert response.content.decode().count('data-testid="staff-row-') == 11


@pytest.mark.django_db
def test_staff_of_one_retailer_is_not_listed_at_another(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        staff_create(
            tenant=alpha.tenant,
            username="only-in-alpha",
            email="",
            first_name="",
            last_name="",
            role=Role.CASHIER,
            password="x",
        )
    page = tenant_client(beta, beta.admin).get("/settings/staff/").content.decode()
    assert "only-in-alpha" not in page
    assert 'data-testid="staff-row-admin"' in page


def test_the_staff_limit_holds_under_concurrency(committed_db):
    """Ten admins add a staff member at once when one seat is left: exactly one gets it."""
    plan = TariffPlan.objects.create(
        name="Two seats", price="1.00", max_active_customers=10, max_staff_users=2, max_stores=1, max_terminals=1
    )
    tenant = tenant_create(
        name="Race",
        schema_name="race_staff",
        plan=plan,
        admin_username="admin",
        admin_email="admin@race.example",
        admin_password="x",
        validate_admin_password=False,
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(10)

    def add(number: int) -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                staff_create(
                    tenant=tenant,
                    username=f"racer{number}",
                    email="",
                    first_name="",
                    last_name="",
                    role=Role.CASHIER,
                    password="x",
                )
            outcomes.append("created")
        except PlanLimitReached:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=add, args=(number,)) for number in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 9
    with tenant_context(tenant):
        assert User.objects.filter(is_active=True).count() == 2
