#!/usr/bin/python3
"""cloudinit_driver.py - drive cloud-init's real Hyper-V KVP handler on a
private pool file for the interop tests (tests/cloudinit/*.c).

Run with /usr/bin/python3 (Debian's cloud-init modules). Never point it at
/var/lib/hyperv: every command takes the pool file's path.

  publish POOL [--events N] [--seed S] [--kinds K,K..] [--no-truncate]
      Build the handler (cloud-init's truncate-if-stale runs unless
      --no-truncate), publish N events in groups, wait for its queue to
      drain, print one JSON line:
      {"events":N,"batches":B,"records":[["<key hex>","<value hex>"],..]}
      with the bytes of every record the handler wrote, in write order.
  read POOL
      Print {"records":[{"key":..,"value":..},..]} as cloud-init's own
      reader returns them, or {"error":..} and exit 3 when it fails.
  stale POOL [--pause]
      Build the handler (truncate-if-stale) and print {"size_before":..,
      "mtime_before":..,"boot_time":..,"size_after":..}. With --pause,
      stop between cloud-init's mtime check and its truncation: print
      "checked", wait for a stdin line, go on.
  diag POOL [--events N] [--seed S]
      Publish, through the handler registered as cloud-init registers
      it, N long start events (split into msg_i chunks), a finish of each
      status, and a compressed event made by cloud-init's Azure helper
      (report_compressed_event: zlib data labelled gz+b64); print the
      "publish" JSON line with "expected": [{"name","type","msg"
      [,"result"]} | {"name","type","data_hex"}, ..].
  serve POOL [--seed S]
      Build the handler without the stale truncation, print "ready", then
      obey one command per stdin line:
        tick           publish 1..3 random events (no wait)
        publish N      publish N random events (no wait)
        flush          wait for the queue to drain; print "flushed <records>"
        hold           start cloud-init's reader and stop after its first
                       record, keeping its flock; print "held" ("empty"
                       on an empty pool, when it has already let go)
        release        finish that read; print "released <records>"
        stop (or EOF)  drain, print the "publish" JSON line, exit 0
Exit status: 0 done, 2 usage, 3 cloud-init's reader failed.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from cloudinit_handler import EventMaker, boot_time, fields  # noqa: E402
from cloudinit_handler import make_handler, read_pool  # noqa: E402


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def published(maker, recorder):
    records, batches = recorder.snapshot()
    pairs = [[k.hex(), v.hex()] for k, v in map(fields, records)]
    return {"events": maker.count, "batches": batches, "records": pairs}


def read_json(handler):
    try:
        return {"records": read_pool(handler)}, 0
    except (OSError, ValueError) as e:  # UnicodeDecodeError is a ValueError
        return {"error": "{}: {}".format(type(e).__name__, e)}, 3


def cmd_publish(args):
    handler, recorder = make_handler(args.pool, truncate=args.truncate)
    maker = EventMaker(handler, args.seed)
    kinds = args.kinds.split(",") if args.kinds else [None]
    done = 0
    while done < args.events:
        group = min(maker.rng.randint(1, 8), args.events - done)
        for i in range(group):
            handler.publish_event(maker.event(kinds[(done + i) % len(kinds)]))
        done += group
        handler.flush()
    emit(published(maker, recorder))
    return 0


def cmd_read(args):
    handler, _ = make_handler(args.pool, truncate=False)
    obj, status = read_json(handler)
    emit(obj)
    return status


def cmd_stale(args):
    st = os.stat(args.pool)
    before = {"size_before": st.st_size, "mtime_before": st.st_mtime}
    before["boot_time"] = boot_time()
    if args.pause:
        # cloud-init's check is os.path.getmtime(); its truncation, the
        # open(path, "w") right after, takes no lock.
        real_getmtime = os.path.getmtime

        def getmtime(path):
            mtime = real_getmtime(path)
            say("checked")
            sys.stdin.readline()
            return mtime

        os.path.getmtime = getmtime
    make_handler(args.pool, truncate=True)
    before["size_after"] = os.stat(args.pool).st_size
    emit(before)
    return 0


def cmd_diag(args):
    from cloudinit.reporting import events, instantiated_handler_registry
    from cloudinit.sources.helpers import azure

    handler, recorder = make_handler(args.pool, truncate=False)
    instantiated_handler_registry.register_item("kvp_test", handler)
    maker = EventMaker(handler, args.seed)
    rng = maker.rng
    expected = []
    for i in range(args.events):
        name = "diag/long{}".format(i)
        msg = maker.text(rng.randint(1100, 5000))
        handler.publish_event(events.ReportingEvent("start", name, msg))
        expected.append({"name": name, "type": "start", "msg": msg})
    for status in sorted(events.status):
        name = "diag/finish-" + status
        msg = maker.text(rng.randint(0, 2500))
        handler.publish_event(events.FinishReportingEvent(name, msg, status))
        expected.append(
            {"name": name, "type": "finish", "msg": msg, "result": status})
    blob = bytes(rng.randrange(256) for _ in range(20000))
    azure.report_compressed_event("dmesg", blob)
    expected.append(
        {"name": "dmesg", "type": "compressed", "data_hex": blob.hex()})
    handler.flush()
    instantiated_handler_registry.unregister_item("kvp_test", force=True)
    out = published(maker, recorder)
    out["expected"] = expected
    emit(out)
    return 0


def cmd_serve(args):
    handler, recorder = make_handler(args.pool, truncate=False)
    maker = EventMaker(handler, args.seed)
    held, seen = None, 0
    say("ready")
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd = words[0]
        if cmd == "tick":
            for _ in range(maker.rng.randint(1, 3)):
                handler.publish_event(maker.event())
        elif cmd == "publish":
            for _ in range(int(words[1])):
                handler.publish_event(maker.event())
        elif cmd == "flush":
            handler.flush()
            say("flushed {}".format(len(recorder.snapshot()[0])))
        elif cmd == "hold":
            held = handler._iterate_kvps(0)
            # After its first record the reader holds flock LOCK_EX; on an
            # empty pool it has already finished and released it.
            seen = 1 if next(held, None) is not None else 0
            say("held" if seen else "empty")
        elif cmd == "release":
            seen += len(list(held)) if held is not None else 0
            held = None
            say("released {}".format(seen))
        elif cmd == "stop":
            break
        else:
            print("cloudinit_driver: unknown command " + cmd, file=sys.stderr)
            return 2
    handler.flush()
    emit(published(maker, recorder))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("publish")
    p.add_argument("pool")
    p.add_argument("--events", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--kinds", default="")
    p.add_argument("--no-truncate", dest="truncate", action="store_false")
    sub.add_parser("read").add_argument("pool")
    p = sub.add_parser("stale")
    p.add_argument("pool")
    p.add_argument("--pause", action="store_true")
    p = sub.add_parser("diag")
    p.add_argument("pool")
    p.add_argument("--events", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("serve")
    p.add_argument("pool")
    p.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    handlers = {"publish": cmd_publish, "read": cmd_read,
                "stale": cmd_stale, "diag": cmd_diag, "serve": cmd_serve}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
