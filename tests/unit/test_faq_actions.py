"""The FAQ's buttons: one codec, the same wire strings as before, forged data refused."""

from __future__ import annotations

import pytest

from bot.dialogs.faq.actions import (
    FromMenu,
    NoneOfThese,
    Related,
    Suggested,
    Topic,
    Topics,
    Vote,
    check_button_sizes,
    faq,
)
from bot.services.faq import FaqContentError, FaqIndex
from bot.ui import Action


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (Topics(), "faq:menu"),
        (NoneOfThese(), "faq:none"),
        (Topic("keplinet"), "faq:g:keplinet"),
        (FromMenu("support-request"), "faq:e:support-request"),
        (Suggested("support-request"), "faq:s:support-request"),
        (Related("support-request"), "faq:r:support-request"),
        (Vote("support-request", helpful=True), "faq:v:support-request:1"),
        (Vote("support-request", helpful=False), "faq:v:support-request:0"),
    ],
)
def test_buttons_keep_their_wire_strings(action: Action, data: str) -> None:
    assert faq.pack(action) == data
    assert faq.parse(data) == action


@pytest.mark.parametrize(
    "data", ["faq:v:support-request:2", "faq:v:support-request", "faq:e:", "faq:x:1", "faq"]
)
def test_forged_buttons_parse_to_nothing(data: str) -> None:
    assert faq.parse(data) is None


def test_every_entry_fits_and_a_too_long_id_is_named() -> None:
    index = FaqIndex.load()
    check_button_sizes(index)  # the shipped content fits
    long_id = "a" * 57
    first = next(iter(index.catalogs["el"].entries.values()))
    catalog = index.catalogs["el"]
    object.__setattr__(catalog, "entries", {long_id: first, **catalog.entries})
    with pytest.raises(FaqContentError, match=f"entry '{long_id}'"):
        check_button_sizes(index)
