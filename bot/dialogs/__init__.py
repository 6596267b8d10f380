"""The channel-neutral conversation layer: each feature's screens, built as `bot.ui.Screen`s.

Dialogs word what the bot says (through `bot.i18n`), lay out the buttons with the
feature's typed actions, and call services for data. They never import Telegram,
the handlers, SQLAlchemy or the ORM models: a channel adapter (today `handlers/`)
shows their screens and turns button presses back into their actions.
"""
