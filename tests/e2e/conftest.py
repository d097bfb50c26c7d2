"""Browser journeys: the `browser` and `shoot` fixtures live in tests/conftest.py."""

import pytest


@pytest.fixture(scope="module", autouse=True)
def _audit_log_flushable(audit_flushable: None) -> None:
    """Browser tests are transactional: see `audit_flushable` in tests/conftest.py."""
