"""The `make run` demo: a bot, a managed group and two students in the Telegram simulator, wired to Aula."""
