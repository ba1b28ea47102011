"""Telegram Bot API simulator: a dev and test stand-in for api.telegram.org."""
