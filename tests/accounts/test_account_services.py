import pytest

from liaison.accounts import services
from liaison.accounts.tables import ApiToken, User, UserSession
from liaison.core.errors import Conflict, Invalid

pytestmark = pytest.mark.db


async def test_create_user_hashes_password_with_argon2(database: str) -> None:
    await services.create_user("li.wei", "a long passphrase", "officer", display_name="李伟")
    row = await User.select().where(User.username == "li.wei").first().run()
    assert row["password_hash"].startswith("$argon2id$")
    assert "a long passphrase" not in row["password_hash"]
    user = await services.authenticate("li.wei", "a long passphrase")
    assert user is not None and user.role == "officer" and user.name == "李伟"
    assert await services.authenticate("li.wei", "wrong password!") is None
    assert await services.authenticate("nobody", "a long passphrase") is None


@pytest.mark.parametrize(
    ("username", "password", "role", "field"),
    [
        ("x", "a long passphrase", "officer", "username"),
        ("bad name", "a long passphrase", "officer", "username"),
        ("okname", "short", "officer", "password"),
        ("okname", "a long passphrase", "mayor", "role"),
    ],
)
async def test_create_user_rejects_bad_input_naming_the_field(
    database: str, username: str, password: str, role: str, field: str
) -> None:
    with pytest.raises(Invalid) as info:
        await services.create_user(username, password, role)
    assert info.value.field == field
    assert await User.count().run() == 0


async def test_duplicate_username_is_a_conflict(database: str) -> None:
    await services.create_user("wang", "a long passphrase", "volunteer")
    with pytest.raises(Conflict):
        await services.create_user("wang", "another passphrase", "volunteer")


async def test_sessions_end_on_logout_and_password_change(database: str) -> None:
    user_id = await services.create_user("zhao", "a long passphrase", "office_staff")
    token = await services.start_session(user_id, hours=8)
    assert (await services.resolve_session(token, 8)).username == "zhao"
    assert await UserSession.select(UserSession.token_hash).first().run() != {"token_hash": token}
    await services.change_password("zhao", "a new long passphrase")
    assert await services.resolve_session(token, 8) is None
    token2 = await services.start_session(user_id, hours=8)
    await services.end_session(token2)
    assert await services.resolve_session(token2, 8) is None


async def test_expired_session_is_refused(database: str) -> None:
    user_id = await services.create_user("qian", "a long passphrase", "officer")
    token = await services.start_session(user_id, hours=8)
    from datetime import UTC, datetime, timedelta

    await UserSession.update({UserSession.expires_at: datetime.now(UTC) - timedelta(minutes=1)}, force=True).run()
    assert await services.resolve_session(token, 8) is None


async def test_api_tokens_are_stored_hashed_and_revocable(database: str) -> None:
    await services.create_user("sun", "a long passphrase", "officer")
    token = await services.create_token("sun", "import script")
    assert token.startswith("lsn_")
    stored = await ApiToken.select().first().run()
    assert stored["token_hash"] != token and token not in str(stored)
    assert (await services.resolve_token(token)).username == "sun"
    assert await services.resolve_token(token + "x") is None
    assert await services.revoke_token(token[:8]) == 1
    assert await services.resolve_token(token) is None


async def test_ensure_admin_creates_one_random_password_once(database: str) -> None:
    password = await services.ensure_admin()
    assert password and len(password) >= 12
    assert (await services.authenticate("admin", password)).role == "admin"
    assert await services.ensure_admin() is None


async def test_account_changes_are_audited_without_secrets(database: str) -> None:
    from liaison.audit.tables import AuditEntry

    await services.create_user("audited", "a long passphrase", "officer", actor="admin1")
    await services.change_password("audited", "another long passphrase")
    entries = await AuditEntry.select().where(AuditEntry.entity == "user").order_by(AuditEntry.id).output(
        load_json=True).run()
    assert [(e["action"], e["actor"]) for e in entries] == [("create", "admin1"), ("change_password", "audited")]
    assert "passphrase" not in str(entries)
