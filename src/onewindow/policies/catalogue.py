"""The shipped policies: every file under `POLICIES_DIR` (default: `policies/` at the top of
the project), loaded and validated once."""

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import Http404

from onewindow.core.yamlfile import DataFileError

from .schema import Policy, load_policy_file


@dataclass(frozen=True)
class Loaded:
    policy: Policy
    digest: str
    path: Path


def policies_dir() -> Path:
    return Path(getattr(settings, "POLICIES_DIR", settings.PROJECT_DIR / "policies"))


@functools.cache
def catalogue() -> dict[str, Loaded]:
    """Every policy version by `id@version`; a malformed file stops the load with its name."""
    found: dict[str, Loaded] = {}
    for path in sorted(policies_dir().glob("*.yaml")):
        policy, digest = load_policy_file(path)
        if policy.key in found:
            raise DataFileError(
                f"{path.name}: {policy.key} is also in {found[policy.key].path.name}"
            )
        found[policy.key] = Loaded(policy, digest, path)
    return found


def loaded(key: str) -> Loaded:
    """One version by `id@version`; 404 if there is none (keys come from URLs)."""
    try:
        return catalogue()[key]
    except KeyError:
        raise Http404 from None


def versions(policy_id: str) -> list[Loaded]:
    """Every version of a policy, newest in force first."""
    found = [x for x in catalogue().values() if x.policy.id == policy_id]
    return sorted(found, key=lambda x: x.policy.effective_from, reverse=True)


def in_force(policy_id: str, on: datetime.date | None = None) -> Loaded:
    """The version in force on `on` (today by default)."""
    on = on or datetime.date.today()
    for candidate in versions(policy_id):
        if candidate.policy.in_force(on):
            return candidate
    raise Http404
