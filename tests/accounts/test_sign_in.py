"""Signing in: residents with a password, staff with a password and a TOTP code, rate-limited."""

import io
import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY, match_token
from django_otp.oath import TOTP

import onewindow.config.settings.base as base_settings
from onewindow.accounts.models import Role, User
from onewindow.accounts.services import totp_current_code, totp_device, user_create
from onewindow.registry.models import Person
from tests.conftest import PASSWORD

LOGIN, STAFF_HOME, ME = "/accounts/login/", "/staff/", "/me/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()


def english_client(**defaults: str) -> Client:
    return Client(headers={"accept-language": "en"}, **defaults)


@pytest.fixture
def resident(make_person: Callable[..., Person], make_user: Callable[..., User]) -> User:
    return make_user(Role.RESIDENT, person=make_person(id_number=False))


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.OFFICER)


def sign_in(client: Client, username: str, password: str = PASSWORD, otp_token: str = ""):
    data = {"username": username, "password": password}
    if otp_token:
        data["otp_token"] = otp_token
    return client.post(LOGIN, data)


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def form_error_codes(response) -> list[str]:
    return [e.code for e in response.context["form"].errors.as_data().get("__all__", [])]


def codes_accepted_now(user: User) -> set[str]:
    """Every code the device would accept now (its tolerance allows neighbouring steps)."""
    device = totp_device(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    codes = set()
    for delta in range(-device.tolerance - 1, device.tolerance + 2):
        totp.drift = device.drift + delta
        codes.add(f"{totp.token():06d}")
    return codes


def test_the_sign_in_page_renders(reference: None) -> None:
    response = english_client().get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("username", "password", "otp_token"):
        assert f'name="{field}"' in html


def test_a_resident_signs_in_with_a_password_and_lands_on_their_page(resident: User) -> None:
    # given a resident / when they sign in with user name and password only
    client = english_client()
    response = client.post(
        LOGIN, {"username": resident.username, "password": PASSWORD}, follow=True
    )
    # then they are signed in and end on their own page
    assert signed_in_user_id(client) == str(resident.pk)
    assert response.redirect_chain[-1][0] == ME
    assert response.status_code == 200


def test_a_wrong_password_signs_nobody_in(resident: User) -> None:
    client = english_client()
    response = sign_in(client, resident.username, "not the password")
    assert response.status_code == 200
    assert form_error_codes(response) == ["invalid"]
    assert signed_in_user_id(client) is None


def test_an_officer_without_a_code_is_not_signed_in(officer: User) -> None:
    # given an officer with the right password / when they sign in without a code
    client = english_client()
    response = sign_in(client, officer.username)
    # then the form says the code is missing, and the staff site sends them to sign in
    assert response.status_code == 200
    assert form_error_codes(response) == ["otp"]
    assert signed_in_user_id(client) is None
    staff = client.get(STAFF_HOME)
    assert staff.status_code == 302
    assert staff.url.startswith(LOGIN)


@pytest.mark.parametrize("kind", ["wrong", "letters"])
def test_an_officer_with_a_wrong_code_is_not_signed_in(officer: User, kind: str) -> None:
    # given a code the device would not accept now
    accepted = codes_accepted_now(officer)
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)
    token = wrong if kind == "wrong" else "abcdef"
    # when the officer signs in with it / then they are not signed in
    client = english_client()
    response = sign_in(client, officer.username, otp_token=token)
    assert form_error_codes(response) == ["otp"]
    assert signed_in_user_id(client) is None
    assert client.get(STAFF_HOME).status_code == 302


def test_an_officer_with_the_current_code_is_signed_in(officer: User) -> None:
    # given the code the officer's authenticator shows now
    code = totp_current_code(totp_device(officer))
    # when they sign in with it
    client = english_client()
    response = sign_in(client, officer.username, otp_token=f"{code[:3]} {code[3:]}")
    # then they are signed in through the second factor and reach the staff site
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(officer.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == totp_device(officer).persistent_id
    assert client.get(STAFF_HOME).status_code == 200


def test_a_code_cannot_be_used_twice(officer: User) -> None:
    # given an officer who signed in with the current code
    code = totp_current_code(totp_device(officer))
    first = english_client()
    sign_in(first, officer.username, otp_token=code)
    assert signed_in_user_id(first) == str(officer.pk)
    # when the same code is used again elsewhere / then it is refused
    second = english_client()
    response = sign_in(second, officer.username, otp_token=code)
    assert form_error_codes(response) == ["otp"]
    assert signed_in_user_id(second) is None


def test_staff_pages_need_the_second_factor_in_the_session(
    officer: User, client_for: Callable[[User], Client]
) -> None:
    # given an officer signed in without the second factor
    client = Client()
    client.force_login(officer)
    # when they open the staff site / then they are sent to sign in
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    # while with the second factor they get in
    assert client_for(officer).get(STAFF_HOME).status_code == 200


def login_rate_limit() -> int:
    return int(settings.LOGIN_RATE.split("/")[0])


def test_sign_in_is_rate_limited_per_address(resident: User) -> None:
    # given as many failed sign-ins from one address as the rate allows, for other user names
    client = english_client()
    for n in range(login_rate_limit()):
        assert sign_in(client, f"nobody-{n}", "guess").status_code == 200
    # when the resident signs in from that address with the right password
    response = sign_in(client, resident.username)
    # then the answer is 429, says why, and nobody is signed in
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_sign_in_is_rate_limited_per_user_name(resident: User) -> None:
    # given failed sign-ins for one user name, each from another address
    for n in range(login_rate_limit()):
        client = english_client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert sign_in(client, resident.username, "guess").status_code == 200
    # when the right password comes from yet another address / then it is refused
    client = english_client(REMOTE_ADDR="10.0.1.1")
    response = sign_in(client, resident.username)
    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_sign_in_below_the_rate_still_works(resident: User) -> None:
    client = english_client()
    for _ in range(login_rate_limit() - 1):
        sign_in(client, resident.username, "guess")
    assert sign_in(client, resident.username).status_code == 302
    assert signed_in_user_id(client) == str(resident.pk)


def test_passwords_are_hashed_with_argon2(reference: None) -> None:
    # given the hashers of the base settings (the test settings use a fast one)
    hashers = base_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # when a user is created under them / then an Argon2 hash is stored, and it checks
    with override_settings(PASSWORD_HASHERS=hashers):
        user = user_create(actor=None, username="analyst-a", password=PASSWORD, role=Role.ANALYST)
        user.refresh_from_db()
        assert user.password.startswith("argon2$")
        assert PASSWORD not in user.password
        assert user.check_password(PASSWORD)
        assert not user.check_password("wrong")


def test_the_totp_command_prints_a_code_the_device_accepts(officer: User) -> None:
    out = io.StringIO()
    call_command("totp", officer.username, stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert match_token(officer, code) is not None


def test_the_totp_command_refuses_unknown_users_and_users_without_a_device(
    resident: User,
) -> None:
    with pytest.raises(CommandError):
        call_command("totp", "no-such-user", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("totp", resident.username, stdout=io.StringIO())


def test_sign_out_is_post_only(resident: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(resident)
    # when signing out by GET / then 405, and still signed in
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_id(client) == str(resident.pk)
    # when signing out by POST / then signed out and sent to sign in
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == LOGIN
    assert signed_in_user_id(client) is None
