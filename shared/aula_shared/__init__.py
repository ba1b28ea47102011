"""Aula's common library.

Everything two services need lives here: settings read from the environment, database and Celery wiring,
the update envelope that travels from the gateway to the workers, the rate-limited Bot API client, i18n,
logging and the operator CLI. Importing any module has no side effect: nothing connects until asked to.
"""
