"""keplibot: the application package (see docs/development.md for the layout)."""

import os

# Opt in to python-telegram-bot's timedelta time periods now. Without it, PTB 22 emits a
# deprecation warning every time it builds a RetryAfter (even inside its own request
# code), and the test suite turns warnings into errors.
os.environ.setdefault("PTB_TIMEDELTA", "true")
