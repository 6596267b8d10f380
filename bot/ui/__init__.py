"""The channel-neutral conversation layer's vocabulary: screens, actions, the notifier port.

Nothing here knows Telegram (or any other messaging channel). Feature code
builds `Screen`s whose buttons carry typed `Action`s; a channel adapter (today
`handlers/`, for Telegram) renders screens in its own terms, turns its button
presses back into actions with the feature's `Codec`, and delivers notices to
people through the `Notifier` port. See docs/architecture.md.
"""

from bot.ui.actions import Action, Codec, CodecError
from bot.ui.notifier import (
    Address,
    Delivered,
    DeliveryError,
    Notifier,
    PermanentFailure,
    RecipientGone,
    RecipientMoved,
    RetryLater,
    TemporaryFailure,
)
from bot.ui.screen import Button, File, Screen, escape

__all__ = [
    "Action",
    "Address",
    "Button",
    "Codec",
    "CodecError",
    "Delivered",
    "DeliveryError",
    "File",
    "Notifier",
    "PermanentFailure",
    "RecipientGone",
    "RecipientMoved",
    "RetryLater",
    "Screen",
    "TemporaryFailure",
    "escape",
]
