"""Logging in: wrong password, unknown user, lock-out, deactivated accounts, other retailers."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django_tenants.utils import tenant_context

from staff.models import User

WRONG_LOGIN = (
    "The user name or the password is wrong. After 5 failed attempts in a row the login is locked for 15 minutes."
)


@pytest.mark.django_db
def test_login_with_the_right_password_opens_the_dashboard(alpha, tenant_client):
    client = tenant_client(alpha)
    response = client.post("/login/", {"username": "admin", "password": alpha.admin.password}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert response.context["user"].username == "admin"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "password"),
    [("admin", "wrong-password"), ("nobody", "whatever-password")],
    ids=["wrong password", "unknown user"],
)
def test_failed_login_says_what_is_wrong_and_logs_nobody_in(alpha, username, password, tenant_client):
    client = tenant_client(alpha)
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_empty_login_form_names_the_missing_fields(alpha, tenant_client):
    response = tenant_client(alpha).post("/login/", {"username": "", "password": ""})
    assert response.context["form"].errors == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


@pytest.mark.django_db
def test_repeated_failures_lock_the_login_even_with_the_right_password(alpha, tenant_client):
    client = tenant_client(alpha)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "marketer", "password": "wrong"})
    response = client.post("/login/", {"username": "marketer", "password": alpha.marketer.password})
    assert response.status_code == 429
    body = response.content.decode()
    assert "After 5 failed attempts in a row the login of this account is locked." in body
    assert "Try again in 15 minutes, or ask your admin to unlock it." in body
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_unlocks_a_locked_out_user(alpha, tenant_client):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        tenant_client(alpha).post("/login/", {"username": "cashier", "password": "wrong"})
    admin = tenant_client(alpha, alpha.admin)
    with tenant_context(alpha.tenant):
        cashier = User.objects.get(username="cashier")
    assert "Locked out" in admin.get("/settings/staff/").content.decode()
    response = admin.post(f"/settings/staff/{cashier.pk}/unlock/", follow=True)
    assert "The login of cashier is unlocked." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert not AccessAttempt.objects.filter(username="cashier").exists()
    tenant_client(alpha, alpha.cashier)


@pytest.mark.django_db
def test_lockout_at_one_retailer_does_not_lock_the_same_name_at_another(alpha, beta, tenant_client):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        tenant_client(alpha).post("/login/", {"username": "admin", "password": "wrong"})
    tenant_client(beta, beta.admin)


@pytest.mark.django_db
def test_a_deactivated_user_cannot_log_in(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        User.objects.filter(username="cashier").update(is_active=False)
    response = tenant_client(alpha).post("/login/", {"username": "cashier", "password": alpha.cashier.password})
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()


@pytest.mark.django_db
def test_a_user_of_one_retailer_cannot_log_in_at_another(alpha, beta, tenant_client):
    response = tenant_client(beta).post("/login/", {"username": "admin", "password": alpha.admin.password})
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()


@pytest.mark.django_db
def test_a_session_cookie_of_one_retailer_is_worthless_at_another(alpha, beta, tenant_client):
    alpha_client = tenant_client(alpha, alpha.admin)
    session_cookie = alpha_client.cookies[settings.SESSION_COOKIE_NAME].value
    beta_client = tenant_client(beta)
    beta_client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
    response = beta_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"
    assert alpha_client.get("/").status_code == 200


@pytest.mark.django_db
def test_logout_ends_the_session(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_change_needs_the_old_password(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    response = client.post(
        "/password/change/",
        {"old_password": "wrong", "new_password1": "a-new-long-password-9", "new_password2": "a-new-long-password-9"},
    )
    assert response.context["form"].errors["old_password"] == [
        "Your old password was entered incorrectly. Please enter it again."
    ]
    with tenant_context(alpha.tenant):
        assert User.objects.get(username="marketer").check_password(alpha.marketer.password)
    response = client.post(
        "/password/change/",
        {
            "old_password": alpha.marketer.password,
            "new_password1": "a-new-long-password-9",
            "new_password2": "a-new-long-password-9",
        },
    )
    assert response["Location"] == "/password/change/done/"
    with tenant_context(alpha.tenant):
        assert User.objects.get(username="marketer").check_password("a-new-long-password-9")


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(alpha, mailoutbox, tenant_client):
    client = tenant_client(alpha)
    client.post("/password/reset/", {"email": "cashier@alpha.example"})
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["cashier@alpha.example"]
    link = next(line for line in mailoutbox[0].body.splitlines() if line.startswith("http://alpha.localhost/"))
    path = link.removeprefix("http://alpha.localhost")
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-password-for-cashier", "new_password2": "reset-password-for-cashier"},
    )
    assert response["Location"] == "/password/reset/done/"
    with tenant_context(alpha.tenant):
        assert User.objects.get(username="cashier").check_password("reset-password-for-cashier")


@pytest.mark.django_db
def test_password_reset_for_another_retailers_address_sends_nothing(alpha, mailoutbox, tenant_client):
    response = tenant_client(alpha).post("/password/reset/", {"email": "cashier@beta.example"})
    assert response["Location"] == "/password/reset/sent/"
    assert mailoutbox == []
