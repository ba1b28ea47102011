"""Aula gateway service."""
