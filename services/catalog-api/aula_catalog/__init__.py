"""Aula's catalog: departments, degrees, courses and their Telegram groups, served to the association's website.

Modules: `models` (schema), `api` (public JSON API), `importers` (legacy and scraper data), `admin` (staff
admin), `facts` + `worker` (Telegram group facts from the queue), `cli`, `server`.
"""

__version__ = "0.1.0"
