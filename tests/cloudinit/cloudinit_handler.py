"""cloudinit_handler.py - cloud-init's real Hyper-V KVP reporting handler,
instrumented for the interop tests (imported by cloudinit_driver.py).

Runs under /usr/bin/python3, which has the modules of Debian's cloud-init
package. Nothing here re-implements cloud-init: the handler is the real
HyperVKvpReportingHandler, its writes go through its own publish thread,
and the pool is read back with its own reader (_iterate_kvps). The only
addition is a spy on _append_kvp_item that remembers the exact bytes of
every batch the handler wrote, so the tests know what must be in the pool.
"""

import random
import threading
import time

from cloudinit import util
from cloudinit.reporting import events
from cloudinit.reporting.handlers import HyperVKvpReportingHandler

KEY_SIZE = HyperVKvpReportingHandler.HV_KVP_EXCHANGE_MAX_KEY_SIZE
RECORD_SIZE = HyperVKvpReportingHandler.HV_KVP_RECORD_SIZE


class Recorder:
    """Wraps handler._append_kvp_item: after each batch the handler wrote
    (opened O_APPEND, flock LOCK_EX, buffered writes, flush, unlock), keep
    its raw 2560-byte records. A batch that failed (cloud-init logs a
    warning and drops it) is not kept."""

    def __init__(self, handler):
        self.records = []
        self.batches = 0
        self._lock = threading.Lock()
        real = handler._append_kvp_item

        def append(record_data):
            real(record_data)
            with self._lock:
                self.records.extend(record_data)
                self.batches += 1

        handler._append_kvp_item = append

    def snapshot(self):
        with self._lock:
            return list(self.records), self.batches


def make_handler(path, truncate=True):
    """The real handler on `path`. With truncate=False cloud-init's one-time
    truncate-if-stale is marked done beforehand (its own class flag), so
    building a handler just to read cannot clear the pool."""
    if not truncate:
        HyperVKvpReportingHandler._already_truncated_pool_file = True
    handler = HyperVKvpReportingHandler(kvp_file_path=path)
    return handler, Recorder(handler)


def boot_time():
    """Boot time as cloud-init computes it for truncate-if-stale."""
    return time.time() - float(util.uptime())


def fields(record):
    """Key and value bytes of one raw record, up to the NUL padding."""
    return record[:KEY_SIZE].rstrip(b"\0"), record[KEY_SIZE:].rstrip(b"\0")


def read_pool(handler):
    """Every record, through cloud-init's own reader (flock LOCK_EX)."""
    return list(handler._iterate_kvps(0))


# Text that makes cloud-init's JSON encoding and splitting work: quotes and
# backslashes (escaped in the value), control characters, and non-ASCII
# (escaped as \uXXXX, surrogate pairs for the emoji).
ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz0123456789 .,:;/-_"
    '"\\\n\t' + "éüß€名前🙂"
)


class EventMaker:
    """A seeded stream of events of every shape the handler encodes."""

    def __init__(self, handler, seed):
        self.rng = random.Random(seed)
        self.handler = handler
        self.count = 0

    def text(self, length):
        return "".join(self.rng.choice(ALPHABET) for _ in range(length))

    def name_cutting_key(self, event_type, tail):
        """A name that makes the key longer than its 512-byte field:
        struct.pack cuts it, uuid and chunk suffix included, so the key
        field has no NUL terminator (and chunks share one key). With
        tail="é" the cut falls inside that character."""
        prefix = "{}|{}|".format(self.handler.event_key_prefix, event_type)
        room = KEY_SIZE - 1 - len(prefix.encode("utf-8"))
        return "n" * room + tail

    def event(self, kind=None):
        """One event; kind is drawn at random when not given."""
        n = self.count
        self.count += 1
        rng = self.rng
        if kind is None:
            kind = rng.choices(
                ["short", "finish", "long", "utf8", "longname"],
                weights=[40, 25, 15, 15, 5],
            )[0]
        desc = "#{} ".format(n)
        if kind == "short":
            return events.ReportingEvent(
                "start", "mod{}/init-local".format(n % 7),
                desc + self.text(rng.randint(0, 300)))
        if kind == "finish":
            return events.FinishReportingEvent(
                "mod{}/config-ssh".format(n % 5),
                desc + self.text(rng.randint(0, 200)),
                rng.choice(sorted(events.status)))
        if kind == "long":
            # Split into 2..6 records of at most 1024 bytes (msg_i).
            return events.ReportingEvent(
                "start", "azure-ds/crawl_metadata",
                desc + self.text(rng.randint(1100, 5000)))
        if kind == "utf8":
            return events.ReportingEvent(
                "start", "módulo/ünïcode/名前/🙂{}".format(n),
                desc + self.text(rng.randint(0, 100)))
        if kind == "longname":
            return events.ReportingEvent(
                "start", self.name_cutting_key("start", "x"),
                desc + self.text(rng.randint(0, 1500)))
        if kind == "cututf8":
            return events.ReportingEvent(
                "start", self.name_cutting_key("start", "é"), desc)
        raise ValueError("unknown event kind " + kind)
