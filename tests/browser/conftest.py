"""What browser tests share: the address of a page on the live server and logging in there."""

import pytest


def _url(port: int, path: str = "/", host: str = "browser.localhost") -> str:
    return f"http://{host}:{port}{path}"


def _log_in(page, port: int, username: str, password: str, host: str = "browser.localhost") -> None:
    page.goto(_url(port, "/login/", host=host))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def browser_url():
    """`browser_url(live_server_port, "/customers/")`: the page's address on the live server, at
    the `browser` retailer unless `host=` names another."""
    return _url


@pytest.fixture
def browser_log_in():
    """`browser_log_in(page, live_server_port, username, password)`: log in through the form."""
    return _log_in
