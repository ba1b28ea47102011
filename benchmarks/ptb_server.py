"""The baseline: python-telegram-bot's own webhook server with an Application and a no-op handler.

Run as a separate process by benchmarks/gateway.py: `python -m benchmarks.ptb_server TOKEN API_URL PORT`.
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler


async def ignore(_update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    return None


def main(token: str, api_url: str, port: int) -> None:
    application = Application.builder().token(token).base_url(f"{api_url}/bot").build()
    application.add_handler(TypeHandler(Update, ignore))
    application.run_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="webhook",
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        drop_pending_updates=True,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
