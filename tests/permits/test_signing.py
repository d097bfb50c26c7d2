"""Signed tokens: sign, verify, and every way a token can be forged or damaged."""

import base64
import datetime
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from onewindow.permits.models import SigningKey
from onewindow.permits.services import permit_revoke, permits_key_rotate
from onewindow.permits.signing import (
    b64url_decode,
    b64url_encode,
    canonical_json,
    key_path,
    mask_name,
    mask_permit_number,
    permit_payload,
    permit_token,
    private_key,
    sign_payload,
    signing_key_current,
    verify_token,
    verify_url,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _parts(token):
    body, signature = token.split(".")
    return bytearray(b64url_decode(body)), bytearray(b64url_decode(signature))


def _join(body, signature):
    return f"{b64url_encode(bytes(body))}.{b64url_encode(bytes(signature))}"


def _resign(permit, key, **changes):
    """A payload for `permit` with `changes`, signed by `key` under the current kid."""
    payload = permit_payload(permit, signing_key_current().kid) | changes
    return sign_payload(payload, key)


# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("欧阳娜娜", "欧***"),
        ("John Green", "J*** G****"),
        ("  Ana   María  ", "A** M****"),
        ("Ли", "Л*"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@given(st.text(min_size=1, max_size=40))
def test_a_masked_name_keeps_at_most_one_character_per_word(name):
    masked = mask_name(name)
    assert len(masked.replace("*", "").replace(" ", "")) <= max(1, len(name.split()))


def test_mask_permit_number_shows_the_last_four():
    assert mask_permit_number("GZWRP20250000000107") == "***************0107"


# --- the happy path and the derived statuses ------------------------------------------------


def test_signed_permit_verifies_as_valid(issue):
    # given a permit issued today
    permit = issue()
    # when its token is verified
    result = verify_token(permit_token(permit))
    # then it is valid and says only what a verifier may learn
    assert result.status == "valid"
    assert result.permit_type == "work_residence_permit"
    assert result.holder == "张*"
    assert (result.valid_from, result.valid_to) == (permit.valid_from, permit.valid_to)
    assert result.number == mask_permit_number(permit.number)
    assert permit.number not in repr(result)


def test_token_format(issue):
    permit = issue()
    token = permit_token(permit)
    body, signature = token.split(".")
    payload = json.loads(b64url_decode(body))
    assert set(payload) == {"v", "kid", "no", "type", "from", "to", "name", "iss"}
    assert payload["v"] == 1 and payload["no"] == permit.number
    assert b64url_decode(body) == canonical_json(payload)
    assert len(b64url_decode(signature)) == 64
    assert "=" not in token
    assert verify_url(token, "https://ow.example/") == f"https://ow.example/verify#t={token}"


def test_expired_by_date(issue):
    # given a 12-month permit that started two years ago
    permit = issue(valid_from=TODAY() - datetime.timedelta(days=800))
    # then it is genuine but expired
    result = verify_token(permit_token(permit))
    assert result.status == "expired"
    assert result.valid_to < TODAY()


def test_last_day_is_still_valid_and_the_next_is_expired(issue):
    permit = issue()
    token = permit_token(permit)
    assert verify_token(token, today=permit.valid_to).status == "valid"
    assert verify_token(token, today=permit.valid_to + datetime.timedelta(days=1)).status == (
        "expired"
    )


def test_not_yet_valid(issue):
    permit = issue(valid_from=TODAY() + datetime.timedelta(days=10))
    assert verify_token(permit_token(permit)).status == "not_yet_valid"


def test_revoked(issue):
    permit = issue()
    token = permit_token(permit)
    permit_revoke(actor=None, permit=permit, reason="obtained by fraud")
    result = verify_token(token)
    assert result.status == "revoked"
    assert result.holder == "张*"


# --- forgeries ---------------------------------------------------------------------------


def test_flipped_byte_in_payload_is_forged(issue):
    body, signature = _parts(permit_token(issue()))
    body[10] ^= 0x01
    assert verify_token(_join(body, signature)).status == "forged"


def test_flipped_byte_in_signature_is_forged(issue):
    body, signature = _parts(permit_token(issue()))
    signature[0] ^= 0x80
    assert verify_token(_join(body, signature)).status == "forged"


def test_unknown_kid_is_forged(issue):
    permit = issue()
    attacker = Ed25519PrivateKey.generate()
    token = sign_payload(permit_payload(permit, "zzzzzzzz"), attacker)
    assert verify_token(token).status == "forged"


def test_payload_resigned_with_an_attackers_key_is_forged(issue):
    # given a genuine permit and an attacker who signs its payload with their own key
    permit = issue()
    token = _resign(permit, Ed25519PrivateKey.generate())
    # then the city's public key does not verify it
    assert verify_token(token).status == "forged"


def test_forged_verdict_says_nothing_else(issue):
    permit = issue()
    result = verify_token(_resign(permit, Ed25519PrivateKey.generate()))
    assert result.permit_type is result.title is result.holder is result.number is None
    assert result.valid_from is result.valid_to is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "garbage",
        "a.b.c",
        "eyJ2IjoxfQ.",
        "!!!!.????",
        "eyJ2IjoxfQ.AAAA",
        "x" * 5000,
        "\u4e2d\u6587.\u4e2d\u6587",
    ],
)
def test_garbage_is_forged(token):
    assert verify_token(token).status == "forged"


def test_truncated_token_is_forged(issue):
    token = permit_token(issue())
    for cut in (1, 2, 10, 40, len(token) // 2, len(token) - 1):
        assert verify_token(token[:-cut]).status == "forged"


def test_altered_valid_to_is_forged_even_if_it_carries_a_valid_signature(issue):
    # given a permit, and a payload with a later end date signed with the city's own key
    # (as after a key leak, or a bug): it disagrees with the permit row
    permit = issue()
    key = private_key(signing_key_current().kid)
    later = (permit.valid_to + datetime.timedelta(days=365)).isoformat()
    assert verify_token(_resign(permit, key, to=later)).status == "forged"
    # and so is any other change of what the row says
    for change in (
        {"type": "permanent_residence"},
        {"from": (permit.valid_from - datetime.timedelta(days=1)).isoformat()},
        {"name": "李*"},
        {"iss": "2001-01-01"},
        {"no": permit.number[:-1] + "0"},
        {"to": "not a date"},
    ):
        assert verify_token(_resign(permit, key, **change)).status == "forged", change


def test_altered_valid_to_by_hand_is_forged(issue):
    permit = issue()
    body, signature = _parts(permit_token(permit))
    payload = json.loads(bytes(body))
    payload["to"] = "2099-12-31"
    assert verify_token(_join(canonical_json(payload), signature)).status == "forged"


def test_non_canonical_base64_is_forged(issue):
    # the 64-byte signature leaves 4 unused bits in its last character: setting them gives a
    # different string for the same bytes, which must not verify
    token = permit_token(issue())
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    twin = token[:-1] + alphabet[last | 0b0001]
    if twin == token:
        twin = token[:-1] + alphabet[last | 0b0010]
    assert base64.urlsafe_b64decode(twin.split(".")[1] + "==") == b64url_decode(token.split(".")[1])
    assert verify_token(twin).status == "forged"


def test_padded_or_standard_base64_is_forged(issue):
    token = permit_token(issue())
    body, signature = token.split(".")
    assert verify_token(f"{body}.{signature}==").status == "forged"
    assert verify_token(f" {token}").status == "forged"


@pytest.fixture
def valid_token(issue):
    return permit_token(issue())


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_single_character_change_verifies_as_valid(valid_token, data):
    # given a valid token, when any one character is replaced, dropped or added,
    # then it never verifies as valid
    token = valid_token
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    char = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ")
        | st.characters(),
        label="char",
    )
    how = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="how")
    if how == "replace":
        changed = token[:index] + char + token[index + 1 :]
    elif how == "insert":
        changed = token[:index] + char + token[index:]
    else:
        changed = token[:index] + token[index + 1 :]
    assume(changed != token)
    assert verify_token(changed).status != "valid"


# --- keys --------------------------------------------------------------------------------


def test_first_use_creates_a_key_file_readable_only_by_its_owner(var_dir):
    assert not SigningKey.objects.exists()
    key = signing_key_current()
    path = key_path(key.kid)
    assert path.parent == var_dir / "keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    assert signing_key_current() == key
    assert SigningKey.objects.count() == 1


def test_rotation_keeps_old_permits_verifiable(issue):
    # given a permit signed with the first key
    permit = issue()
    old_token = permit_token(permit)
    old_kid = signing_key_current().kid
    # when the key is rotated
    new = permits_key_rotate(actor=None)
    # then new tokens use the new key, and both old and new verify
    new_token = permit_token(permit)
    assert new.kid != old_kid and signing_key_current() == new
    assert json.loads(b64url_decode(new_token.split(".")[0]))["kid"] == new.kid
    assert verify_token(old_token).status == "valid"
    assert verify_token(new_token).status == "valid"
    assert SigningKey.objects.get(kid=old_kid).retired_at is not None


def test_keys_command_rotates(issue, capsys):
    permit = issue()
    old_token = permit_token(permit)
    call_command("keys", "rotate")
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1
    assert SigningKey.objects.count() == 2
    assert "new current key" in capsys.readouterr().out
    assert verify_token(old_token).status == "valid"


def test_public_keys_endpoint_lists_every_key_and_no_private_material(issue):
    # given two keys, one retired
    issue()
    first = signing_key_current()
    second = permits_key_rotate(actor=None)
    # when anyone fetches the key set
    response = Client().get("/.well-known/onewindow-keys.json")
    # then both public keys are there, the current one marked, and nothing private
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["current"] == second.kid
    assert {k["kid"]: k["x"] for k in data["keys"]} == {
        first.kid: first.public_key,
        second.kid: second.public_key,
    }
    assert all(
        set(k) == {"kty", "crv", "alg", "use", "kid", "x", "created", "retired"}
        for k in data["keys"]
    )
    body = response.content
    for key in (first, second):
        pem = key_path(key.kid).read_bytes()
        seed = private_key(key.kid).private_bytes_raw()
        assert pem not in body
        assert b64url_encode(seed).encode() not in body
        assert base64.b64encode(seed) not in body
    assert b"PRIVATE" not in body and b'"d"' not in body


def test_public_keys_verify_a_token_offline(issue):
    # an outside verifier needs only the published key set and the token
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    token = permit_token(issue())
    keys = {
        k["kid"]: k["x"] for k in Client().get("/.well-known/onewindow-keys.json").json()["keys"]
    }
    body, signature = token.split(".")
    payload = json.loads(b64url_decode(body))
    Ed25519PublicKey.from_public_bytes(b64url_decode(keys[payload["kid"]])).verify(
        b64url_decode(signature), b64url_decode(body)
    )
