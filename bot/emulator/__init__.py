"""A local Telegram Bot API server for tests and the offline demo (see `server.py`)."""

from bot.emulator.server import EmulatorServer, run_emulator
from bot.emulator.sim import SimApiError, SimClient, SimUser

__all__ = ["EmulatorServer", "SimApiError", "SimClient", "SimUser", "run_emulator"]
