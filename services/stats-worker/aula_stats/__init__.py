"""Aula stats service."""
