"""Every API route, gathered for the application factory."""

from aiohttp.web import RouteDef, RouteTableDef

from bot.api import consents, contacts, eligibility, system

routes: list[RouteDef] = []
for table in (system.routes, contacts.routes, consents.routes, eligibility.routes):
    if isinstance(table, RouteTableDef):
        routes.extend(r for r in table if isinstance(r, RouteDef))
