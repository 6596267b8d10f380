"""Masking of personal numbers in free text that is kept for statistics (FAQ misses).

A teacher who types a question may add their phone, ΑΦΜ (tax number, 9 digits) or
ΑΜΚΑ (social security number, 11 digits). Such numbers are useless to the staff who
read unanswered questions and must not be kept: every run of 9 or more digits
(groups joined by a space, dot or dash, as people write phone numbers, with an
optional leading + or 00 country code) becomes the same number of `#`. Shorter
numbers (a 7-digit school code, a year, a lab number) stay.
"""

from __future__ import annotations

import re
from typing import Final

MIN_DIGITS: Final = 9  # ΑΦΜ; phones have 10, ΑΜΚΑ 11

# Digit groups joined by single separators; `\d` would also take other scripts' digits.
_NUMBER = re.compile(r"(?<![0-9])\+?[0-9]+(?:[ .\-][0-9]+)*(?![0-9])")


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if digits < MIN_DIGITS:
        return text
    return re.sub(r"[0-9]", "#", text)


def mask_identifiers(text: str) -> str:
    """`text` with phone-, ΑΦΜ- and ΑΜΚΑ-like numbers replaced by `#`s."""
    return _NUMBER.sub(_mask, text)


def has_identifier(text: str) -> bool:
    """Whether `text` holds a number that `mask_identifiers` would mask."""
    return mask_identifiers(text) != text
