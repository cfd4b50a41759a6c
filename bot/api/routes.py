"""Every API route, gathered for the application factory."""

from aiohttp.web import AbstractRouteDef

from bot.api import (
    consents,
    contacts,
    eligibility,
    replies,
    review,
    senders,
    subscriptions,
    suppressions,
    system,
)

routes: list[AbstractRouteDef] = [
    *system.routes,
    *contacts.routes,
    *consents.routes,
    *eligibility.routes,
    *review.routes,
    *replies.routes,
    *senders.routes,
    *suppressions.routes,
    *subscriptions.routes,
]
