"""People and conversation state of channels besides Telegram (`bot.services.channels`)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.channel_models import ChannelConversation, ChannelUser
from bot.db import create_engine, session_factory
from bot.models import User
from bot.services import channels, privacy
from bot.services.channels import CHANNEL_ID_BASE, user_id_for
from bot.services.users import get_locale


async def test_a_teams_person_is_a_user_of_their_own_kept_with_their_state(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            maria = await channels.person(
                session, "teams", "aad-1", name="Μαρία", language="el-GR"
            )
            again = await channels.person(
                session, "teams", "aad-1", name="Μαρία Π.", language="el-GR"
            )
            helen = await channels.person(session, "teams", "aad-2", name="Helen", language="en")
        assert maria.user_id == again.user_id == user_id_for("teams", "aad-1")
        assert maria.user_id >= CHANNEL_ID_BASE  # above every Telegram id
        assert helen.user_id != maria.user_id
        assert maria.locale is None  # no choice made yet: the channel's locale is used
        async with sessions() as session:
            await channels.set_locale(session, maria.user_id, "en")
            assert await get_locale(session, maria.user_id) == "en"
            user = await session.get(User, maria.user_id)
            assert user is not None
            assert user.first_name == "Μαρία Π."
            await channels.save_state(
                session, "teams", "a:conv-1", maria.user_id, {"flow": "points"}, {"s": "u"}
            )
            assert await channels.load_state(session, "teams", "a:conv-1", maria.user_id) == {
                "flow": "points"
            }
            # Another person never reads it, whatever conversation id they name.
            assert await channels.load_state(session, "teams", "a:conv-1", helen.user_id) == {}
            assert await channels.conversations_of(session, "teams", maria.user_id) == [
                ("a:conv-1", {"s": "u"})
            ]
            # /mydata (and `keplibot privacy export`) show the identity and the state.
            document = await privacy.export(session, maria.user_id)
            assert document["channels"]["channel"] == "teams"
            assert document["channels"]["external_id"] == "aad-1"
            [conversation] = document["channels"]["conversations"]
            assert conversation["conversation_id"] == "a:conv-1"
            assert conversation["state"] == {"flow": "points"}
            # Erasing the person (privacy) takes the mapping and the conversation with them.
            counts = await privacy.erase(session, maria.user_id)
            assert counts["channels"] == 2
            for model in (ChannelUser, ChannelConversation):
                left = await session.scalar(
                    select(func.count()).select_from(model).where(model.user_id == maria.user_id)
                )
                assert left == 0
            assert (
                await session.scalar(
                    select(func.count())
                    .select_from(ChannelUser)
                    .where(ChannelUser.user_id == helen.user_id)
                )
                == 1
            )
    finally:
        await engine.dispose()
