"""The production cost of password hashing, which the other in-process tests lower (conftest.py).

The service hashes with argon2id at 64 MiB and 3 passes; the constant hash a login of an unknown
user is verified against must cost the same, or the time taken would tell which usernames exist.
A stored hash made with other parameters is replaced by one with the current parameters at login.
"""

from __future__ import annotations

import pytest
from conftest import PRODUCTION_HASHER

from liaison.accounts import secrets, services
from liaison.accounts.tables import User

pytestmark = pytest.mark.db


def test_the_service_hashes_with_argon2id_at_64_mib_and_3_passes() -> None:
    assert PRODUCTION_HASHER.hash("a long passphrase").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_an_unknown_user_costs_what_a_known_one_does() -> None:
    assert not PRODUCTION_HASHER.check_needs_rehash(secrets._DUMMY_HASH)  # same parameters, so same time
    assert secrets.verify_password(None, "liaison-timing-equaliser") is False


async def test_a_hash_with_other_parameters_is_upgraded_at_login(database: str) -> None:
    await services.create_user("li.wei", "a long passphrase", "officer")
    old = PRODUCTION_HASHER.hash("a long passphrase")  # not what this process hashes with now
    await User.update({User.password_hash: old}).where(User.username == "li.wei").run()
    assert await services.authenticate("li.wei", "a long passphrase") is not None
    new = (await User.select(User.password_hash).where(User.username == "li.wei").first().run())["password_hash"]
    assert new != old and not secrets.needs_rehash(new)
    assert await services.authenticate("li.wei", "a long passphrase") is not None
    assert await services.authenticate("li.wei", "wrong password!") is None
