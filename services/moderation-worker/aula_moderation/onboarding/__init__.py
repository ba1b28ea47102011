"""Onboarding and protection: CAPTCHA, welcome, the rules gate and network-wide trust, content filters, join
requests and appeals. Its handlers take their place in the pipeline (aula_moderation.pipeline); its tasks are
registered by `tasks.register(app)`."""
