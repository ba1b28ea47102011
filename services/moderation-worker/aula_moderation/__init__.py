"""Aula moderation service."""
