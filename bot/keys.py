"""The application's shared state, under typed keys: what handlers read from `request.app`.

The factory (`bot.app`) imports every handler module to add its routes, so the keys live
here, apart from it: handlers import this module, never the factory.
"""

from __future__ import annotations

from aiohttp import web

from bot.intent import ButtonMap, Lexicon
from bot.metrics import Metrics
from bot.outbox import SubscriberWorker
from bot.reply_worker import ReplyWorker
from bot.settings import Settings
from storage.base import Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
BUTTONS = web.AppKey("buttons", ButtonMap)
LEXICON = web.AppKey("lexicon", Lexicon)
METRICS = web.AppKey("metrics", Metrics)
SUBSCRIBERS = web.AppKey("subscribers", SubscriberWorker)
REPLIES = web.AppKey("replies", ReplyWorker)

REQUEST_ID = web.RequestKey("request_id", str)
