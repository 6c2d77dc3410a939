"""A real SMTP server (aiosmtpd) that catches every mail the Help Center sends.

Each mail is kept whole in a Maildir (`new/`), with the envelope's recipients in a first
`X-Caught-Rcpt-To` header, as a delivering server adds `Delivered-To`. Any recipient at
`refused.invalid` is refused with 550, the permanent refusal a real server gives an address
it does not know, so that path can be tried by hand and is tested. Any recipient at
`greylisted.invalid` is put off with 451 (a temporary refusal, as a greylisting server gives)
the first `--greylist` times it is offered (2 unless given), then accepted: a mail that keeps
getting 4xx for a while.

    python catch_mail.py --port 2525 --maildir data/caught-mail

`cargo xtask dev` runs it for the dev server; the server's tests run their own
(crates/server/tests/support).
"""

import argparse
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class Catcher:
    def __init__(self, maildir, greylist):
        self.maildir = maildir
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        self.count = 0
        self.lock = threading.Lock()
        self.greylist = greylist
        self.put_off = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@refused.invalid"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.lower().endswith("@greylisted.invalid"):
            with self.lock:
                seen = self.put_off.get(address.lower(), 0)
                self.put_off[address.lower()] = seen + 1
            if seen < self.greylist:
                return "451 4.7.1 <%s>: Recipient address rejected: Greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        header = ("X-Caught-Rcpt-To: %s\r\n" % ", ".join(envelope.rcpt_tos)).encode("ascii", "replace")
        with self.lock:
            self.count += 1
            # Names sort in the order the mail arrived, also across restarts of the catcher.
            name = "%020d.%06d.%d.eml" % (time.time_ns(), self.count, os.getpid())
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(header + content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return "250 2.0.0 Ok: queued as %s" % name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--greylist", type=int, default=2)
    args = parser.parse_args()
    controller = Controller(
        Catcher(args.maildir, args.greylist),
        hostname=args.host,
        port=args.port,
        enable_SMTPUTF8=True,
        data_size_limit=10 * 1024 * 1024,
    )
    controller.start()
    print("catch_mail: listening on %s:%d, mail in %s" % (args.host, args.port, os.path.abspath(args.maildir)), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
