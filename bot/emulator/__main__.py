"""`python -m bot.emulator [--host H] [--port P] [--flood-limits]`: a standalone emulator."""

from __future__ import annotations

import argparse
import logging

from bot.emulator.server import run_emulator


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator",
        description="Local Telegram Bot API emulator with a /sim API and a web chat page.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0: any free port)")
    parser.add_argument(
        "--flood-limits",
        action="store_true",
        help="answer 429 beyond Telegram's limits (30/s overall, 1/s per chat, 20/min per group)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run_emulator(args.host, args.port, flood_limits=args.flood_limits)


if __name__ == "__main__":
    main()
