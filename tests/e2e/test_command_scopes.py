"""Staff and administrator commands are shown only to them (`handlers.command_scopes`): in the
command menu of their own chat (setMyCommands with BotCommandScopeChat, read back per chat
from the emulator as a Telegram client would) and in /help."""

from __future__ import annotations

import re

from bot.emulator.sim import SimUser
from bot.services.helpdesk import staff as staff_service
from tests.e2e.conftest import ALICE, BotHarness, Launch
from tests.e2e.helpdesk_e2e import (
    ADMIN,
    ATHENS_STAFF,
    ATHENS_STAFF_CHAT,
    OTHER_TEACHER,
    Desk,
    database,
    open_desk,
)

STAFF_ONLY = {"tickets", "deadlines"}
ADMIN_ONLY = {"invite", "staff", "staffchat", "deadlines"}
PRIVILEGED = STAFF_ONLY | ADMIN_ONLY


async def menu_of(bot: BotHarness, user: SimUser, chat: int | None = None) -> dict[str, str]:
    """The command menu `user` sees in `chat` (their private chat by default)."""
    commands = await bot.sim.commands(chat if chat is not None else user.id, user)
    return {c["command"]: c["description"] for c in commands}


async def help_commands(desk: Desk, user: SimUser) -> set[str]:
    [help_text] = await desk.send(user, "/help")
    return set(re.findall(r"^/(\w+) — ", help_text["text"], flags=re.MULTILINE))


async def test_each_person_sees_the_commands_of_their_roles(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    # A teacher: everyone's commands, in the menu and in /help.
    await desk.send(ALICE, "/start")
    assert not (set(await menu_of(bot, ALICE)) & PRIVILEGED)
    assert "points" in await menu_of(bot, ALICE)
    assert not (await help_commands(desk, ALICE) & PRIVILEGED)

    # The administrator had never opened the bot at start: the menu comes with the first
    # message, in their language.
    await desk.send(ADMIN, "/start")
    admin_menu = await menu_of(bot, ADMIN)
    assert set(admin_menu) >= ADMIN_ONLY
    assert "tickets" not in admin_menu  # not staff of any centre
    assert admin_menu["invite"] == "Διαχειριστές: πρόσκληση προσωπικού υποστήριξης"
    assert await help_commands(desk, ADMIN) >= ADMIN_ONLY

    # Staff of a centre: its tickets and deadlines, not the administrators' commands.
    await desk.send(ATHENS_STAFF, "/start")
    staff_menu = await menu_of(bot, ATHENS_STAFF)
    assert set(staff_menu) >= STAFF_ONLY
    assert not ({"invite", "staff", "staffchat"} & set(staff_menu))
    assert await help_commands(desk, ATHENS_STAFF) & PRIVILEGED == STAFF_ONLY

    # In groups everyone sees only /start and /help, except in a staff chat (set at start:
    # after a restart, now that the staff chats exist).
    group = await menu_of(bot, ATHENS_STAFF, ATHENS_STAFF_CHAT)
    assert "tickets" not in group
    await bot.restart()
    assert "tickets" in await menu_of(bot, ATHENS_STAFF, ATHENS_STAFF_CHAT)
    assert set(await menu_of(bot, ADMIN)) >= ADMIN_ONLY  # published at start this time
    assert not (set(await menu_of(bot, ALICE)) & PRIVILEGED)


async def test_becoming_staff_and_being_removed_change_the_menu(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    newcomer = OTHER_TEACHER
    await desk.send(newcomer, "/start")
    assert not (set(await menu_of(bot, newcomer)) & PRIVILEGED)

    [invite] = await desk.send(ADMIN, "/invite thess-east")
    match = re.search(r"\?start=(staff-[\w-]+)", invite["text"])
    assert match is not None
    await desk.send(newcomer, f"/start {match.group(1)}")
    assert set(await menu_of(bot, newcomer)) >= STAFF_ONLY
    assert "/tickets" in (await desk.send(newcomer, "/help"))[0]["text"]

    [choose] = await desk.send(ADMIN, "/staff")
    [staff_list] = (await desk.press(ADMIN, choose, "Ανατολικής Θεσσαλονίκης")).new or [
        await desk.last(ADMIN.id)
    ]
    await desk.press(ADMIN, staff_list, "Αφαίρεση: Γιώργος")
    assert not (set(await menu_of(bot, newcomer)) & PRIVILEGED)
    assert "/tickets" not in (await desk.send(newcomer, "/help"))[0]["text"]


async def test_a_language_choice_keeps_the_staff_commands(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    [chooser] = await desk.send(ATHENS_STAFF, "/language")
    await bot.press(ATHENS_STAFF, chooser, "lang:en")
    menu = await menu_of(bot, ATHENS_STAFF)
    assert menu["tickets"] == "Support staff: the centre's open tickets"
    assert menu["language"] == "Speak Greek or English"


async def test_staff_removed_while_the_bot_was_stopped_lose_the_commands_at_start(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    await desk.send(ATHENS_STAFF, "/start")
    assert set(await menu_of(bot, ATHENS_STAFF)) >= STAFF_ONLY
    await bot.stop()
    async with database(database_url) as sessions, sessions() as session:  # e.g. the CLI
        assert await staff_service.remove_staff(session, desk.world.athens.id, ATHENS_STAFF.id)
    await bot.start()
    assert not (set(await menu_of(bot, ATHENS_STAFF)) & PRIVILEGED)
