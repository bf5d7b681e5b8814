"""A local SMTP server that accepts mail and keeps it (aiosmtpd): the mail sink of `make run` and of the
tests. Addresses containing `reject` are refused with 550, as a real server refuses unknown mailboxes.

    python -m deploy.local.mailsink --port 1025 --mbox var/mail.mbox
"""

from __future__ import annotations

import argparse
import mailbox
import threading
import time
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from deploy.local.server import free_port


class _Keeper:
    def __init__(self, mbox: Path | None, keep: bool) -> None:
        self.messages: list[Message] = []
        self._keep = keep
        self._lock = threading.Lock()
        self._mbox = mailbox.mbox(str(mbox)) if mbox else None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if "reject" in address:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            if self._keep:
                self.messages.append(message)
            if self._mbox is not None:
                self._mbox.add(message)
                self._mbox.flush()
        return "250 Message accepted for delivery"


class MailSink:
    """Start, stop and start again on the same port (an outage, in tests)."""

    def __init__(self, port: int | None = None, hostname: str = "127.0.0.1", mbox: Path | None = None,
                 keep: bool = True) -> None:
        self.hostname = hostname
        self.port = port or free_port()
        self.keeper = _Keeper(mbox, keep)  # keep: also in memory (`messages`), for tests
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Message]:
        with self.keeper._lock:
            return list(self.keeper.messages)

    def start(self) -> None:
        self._controller = Controller(self.keeper, hostname=self.hostname, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--mbox", type=Path, default=Path("var/mail.mbox"))
    args = parser.parse_args()
    args.mbox.parent.mkdir(parents=True, exist_ok=True)
    sink = MailSink(args.port, mbox=args.mbox, keep=False)
    sink.start()
    print(f"mail sink on 127.0.0.1:{args.port}, keeping mail in {args.mbox}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sink.stop()


if __name__ == "__main__":
    main()
