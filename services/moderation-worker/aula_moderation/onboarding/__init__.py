"""Onboarding and protection: CAPTCHA, welcome, the rules gate and network-wide trust, content filters, join
requests and appeals (issue 5). `register(router)` adds the routes; importing this package registers the due
task with the moderation worker's Celery app."""

from aula_moderation.onboarding import models, tasks  # noqa: F401  (tables in the metadata; the due task)
from aula_moderation.onboarding.handlers import register

__all__ = ["register"]
