"""Signed permit tokens: what the QR code on a card carries, and how anyone checks it.

Token format (version 1)::

    base64url(payload) "." base64url(signature)

both without padding; `payload` is compact JSON with sorted keys, UTF-8, no spaces::

    {"from":"2025-01-01","iss":"2025-01-01","kid":"Xb3k9QzA","name":"张*",
     "no":"GZWRP20250000012345","to":"2025-12-31","type":"work_residence_permit","v":1}

and `signature` is the Ed25519 signature (64 bytes) of the payload bytes by the key `kid`. The
public keys are published at `/.well-known/onewindow-keys.json` (JWK, RFC 8037), so a token can
be checked offline; this module checks it online too, against the permit row.

The QR code encodes `{base}/verify#t=<token>`: the token sits in the URL fragment, which a
browser never sends, so it never reaches a server log.

Private keys live in `VAR_DIR/keys/<kid>.pem` (PKCS #8, mode 0600), never in the database.
"""

import base64
import binascii
import datetime
import functools
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.audit.services import audit_record

from .models import Permit, PermitStatus, SigningKey

TOKEN_VERSION = 1
MAX_TOKEN_LENGTH = 2048
PAYLOAD_KEYS = frozenset({"v", "kid", "no", "type", "from", "to", "name", "iss"})
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class KeyFileMissing(RuntimeError):
    """The current key's private file is not on this machine (copied database?)."""


# --- encoding ---------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the base64url alphabet, no padding, and the canonical encoding (unused
    trailing bits zero), so that exactly one string stands for each byte string."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def canonical_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- names and numbers --------------------------------------------------------------------


def _is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA"))


def mask_name(name: str) -> str:
    """First character of each word, the rest starred: "张伟" → "张*", "John Green" →
    "J*** G****". A name in CJK script is one word (its first character is the surname, or
    the first of a compound one)."""
    name = " ".join(name.split())
    if not name:
        return ""
    if any(_is_cjk(c) for c in name):
        compact = name.replace(" ", "")
        return compact[0] + "*" * (len(compact) - 1)
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split(" "))


def holder_masked_name(person: Any) -> str:
    """The holder's name as shown to whoever verifies a permit: Chinese characters for a
    person who has them, else the Latin spelling, given name first."""
    if person.zh_name:
        return mask_name(person.zh_name)
    latin = f"{person.latin_given_name} {person.latin_family_name}".strip()
    return mask_name(latin or person.display_name)


def mask_permit_number(number: str) -> str:
    """Only the last four characters visible: enough to match a card in hand."""
    return "*" * max(0, len(number) - 4) + number[-4:]


# --- keys ---------------------------------------------------------------------------------


def _keys_dir() -> Path:
    return Path(settings.VAR_DIR) / "keys"


def key_path(kid: str) -> Path:
    return _keys_dir() / f"{kid}.pem"


def _kid_for(public_raw: bytes) -> str:
    """A short id derived from the key itself (like a JWK thumbprint): 8 base64url chars."""
    return b64url_encode(hashlib.sha256(public_raw).digest()[:6])


def create_signing_key() -> SigningKey:
    """Generate a key pair, write the private key (0600, never overwritten) and publish the
    public key. The caller holds the transaction and writes the audit row."""
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    kid = _kid_for(public_raw)
    directory = _keys_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path(kid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return SigningKey.objects.create(
        kid=kid, public_key=b64url_encode(public_raw), created_at=timezone.now()
    )


def signing_key_current() -> SigningKey:
    """The key that signs now: the newest one not retired; the first one is made on first use."""
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-id").first()
    if key is not None:
        return key
    with transaction.atomic():
        key = create_signing_key()
        audit_record(
            actor=None,
            action="create",
            object_type="signing_key",
            object_id=key.kid,
            why="first_use",
        )
    return key


@functools.lru_cache(maxsize=16)
def _load_private(path: str) -> Ed25519PrivateKey:
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileMissing(f"{path} is not an Ed25519 private key")
    return key


def private_key(kid: str) -> Ed25519PrivateKey:
    path = key_path(kid)
    if not path.exists():
        raise KeyFileMissing(
            f"the private key {kid} is not in {path.parent}; run `onewindow keys rotate` to make "
            "a new one (older permits stay verifiable)"
        )
    return _load_private(str(path))


def public_key(key: SigningKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64url_decode(key.public_key))


def published_keys() -> dict[str, Any]:
    """Every public key, current and retired, as a JWK set (RFC 7517, OKP keys of RFC 8037)."""
    keys = list(SigningKey.objects.order_by("created_at", "id"))
    current = next((k.kid for k in reversed(keys) if k.retired_at is None), None)
    return {
        "current": current,
        "token_format": "base64url(payload).base64url(ed25519 signature of payload)",
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": k.kid,
                "x": k.public_key,
                "created": k.created_at.isoformat(),
                "retired": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in keys
        ],
    }


# --- signing ------------------------------------------------------------------------------


def permit_payload(permit: Permit, kid: str) -> dict[str, Any]:
    return {
        "v": TOKEN_VERSION,
        "kid": kid,
        "no": permit.number,
        "type": permit.permit_type,
        "from": permit.valid_from.isoformat(),
        "to": permit.valid_to.isoformat(),
        "name": permit.holder_masked,
        "iss": permit.issued_on.isoformat(),
    }


def sign_payload(payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    body = canonical_json(payload)
    return f"{b64url_encode(body)}.{b64url_encode(key.sign(body))}"


def permit_token(permit: Permit) -> str:
    """The token for the permit as it stands, signed with the current key (Ed25519 signatures
    are deterministic: the same permit and key always give the same token)."""
    key = signing_key_current()
    return sign_payload(permit_payload(permit, key.kid), private_key(key.kid))


def verify_url(token: str, base: str) -> str:
    return f"{base.rstrip('/')}/verify#t={token}"


def qr_svg_data_uri(url: str) -> str:
    """The QR code as an SVG data URI (the CSP allows `img-src data:`)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The QR code's modules (1 = dark), without the quiet zone, for drawing in a PDF."""
    return tuple(tuple(row) for row in segno.make(url, error="m").matrix)


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """What a verifier may learn, and nothing more. A forged token teaches nothing at all."""

    status: str  # "valid", "not_yet_valid", "expired", "revoked" or "forged"
    permit_type: str | None = None
    title: str | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    holder: str | None = None
    number: str | None = None  # masked: last four characters only

    @property
    def is_forged(self) -> bool:
        return self.status == "forged"


FORGED = VerificationResult(status="forged")


def _decode(token: str) -> tuple[dict[str, Any], bytes, bytes] | None:
    """Parse a token strictly; None if anything about its form is off."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    body_text, signature_text = token.split(".")
    try:
        body, signature = b64url_decode(body_text), b64url_decode(signature_text)
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if not isinstance(payload, dict) or set(payload) != PAYLOAD_KEYS or len(signature) != 64:
        return None
    if (
        type(payload["v"]) is not int
        or payload["v"] != TOKEN_VERSION
        or not all(isinstance(payload[k], str) for k in PAYLOAD_KEYS - {"v"})
    ):
        return None
    if canonical_json(payload) != body:
        return None
    return payload, body, signature


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def verify_token(token: str, *, today: datetime.date | None = None) -> VerificationResult:
    """Check a token's form, signature and agreement with the permit row.

    Forged — nothing else is said — when the form is off, the key id is unknown, the signature
    does not verify, no permit has the number, or the signed number, type, holder name, issue
    date or start date differ from the row, or the signed end date is later than the row's.
    A signed end date earlier than the row's is a genuine card printed before a renewal: it is
    judged by its own dates. Otherwise revoked beats expired beats valid.
    """
    decoded = _decode(token)
    if decoded is None:
        return FORGED
    payload, body, signature = decoded
    key = SigningKey.objects.filter(kid=payload["kid"]).first()
    if key is None:
        return FORGED
    try:
        public_key(key).verify(signature, body)
    except (InvalidSignature, ValueError):
        return FORGED
    valid_from, valid_to, issued = (
        _date(payload["from"]),
        _date(payload["to"]),
        _date(payload["iss"]),
    )
    permit = Permit.objects.filter(number=payload["no"]).first()
    if (
        permit is None
        or valid_from is None
        or valid_to is None
        or issued is None
        or payload["type"] != permit.permit_type
        or payload["name"] != permit.holder_masked
        or issued != permit.issued_on
        or valid_from != permit.valid_from
        or valid_to > permit.valid_to
        or valid_to < valid_from
    ):
        return FORGED
    today = today or timezone.localdate()
    if permit.status == PermitStatus.REVOKED:
        status = "revoked"
    elif today > valid_to:
        status = "expired"
    elif today < valid_from:
        status = "not_yet_valid"
    else:
        status = "valid"
    return VerificationResult(
        status=status,
        permit_type=permit.permit_type,
        title=permit.title,
        valid_from=valid_from,
        valid_to=valid_to,
        holder=permit.holder_masked,
        number=mask_permit_number(permit.number),
    )
