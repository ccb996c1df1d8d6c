"""Log filters: no client address reaches Haven's logs (see docs/architecture.md)."""

from __future__ import annotations

import logging


class DropClientAddressLines(logging.Filter):
    """Drops the access-log-shaped lines uvicorn writes, which start with the client's address
    (``'%s - "WebSocket %s" [accepted]'`` for every WebSocket handshake, on its error logger, so
    ``--no-access-log`` does not stop them). Settings attach it to ``uvicorn.error``."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith('%s - "'))
