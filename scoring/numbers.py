"""Exact number helpers: rational arithmetic inside, `Decimal` outside, never floats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import floor


def _tidy(value: Decimal) -> Decimal:
    """`4.000` → `4`, `2.400` → `2.4` (same value, shortest digits, no exponent)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def exact_decimal(value: Fraction | int | Decimal) -> Decimal:
    """The exact decimal of `value`; raises ValueError if it has no finite decimal expansion."""
    if isinstance(value, Decimal):
        return _tidy(value)
    if isinstance(value, int):
        return Decimal(value)
    frac = value
    den = frac.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{frac} has no finite decimal expansion; round it")
    places = max(twos, fives)
    digits = frac.numerator * (10**places // frac.denominator)
    return _tidy(Decimal(digits).scaleb(-places))


def round_half_up(value: Fraction | int | Decimal, places: int) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero (2.2915 → 2.292)."""
    if isinstance(value, int):
        return Decimal(value)
    frac = Fraction(value)
    scaled = abs(frac) * 10**places
    digits = floor(scaled + Fraction(1, 2))
    if frac < 0:
        digits = -digits
    return _tidy(Decimal(digits).scaleb(-places))
