"""A real consumer of the pjsua2 wheel (pjbuild's tests run it in every Python they install the
wheel into, natively or under QEMU): bytes round trip through ByteVector, then SIP calls on
127.0.0.1 that must reach CONFIRMED and then DISCONNECTED.

    python call_test.py loopback            two accounts of one Endpoint call each other (UDP)
    python call_test.py tls --cert C --key K   the same over TLS transports
    python call_test.py sipp --port P       call `sipp -sn uas` listening on 127.0.0.1:P

Prints one JSON line with the results; exit code 0 only if every step passed.
Runs on Python 3.8+ (no newer syntax).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time

import pjsua2 as pj

HOST = "127.0.0.1"


class Call(pj.Call):
    def __init__(self, acc, call_id=pj.PJSUA_INVALID_ID):
        pj.Call.__init__(self, acc, call_id)
        self.states = []
        self.media_active = False

    def onCallState(self, prm):
        self.states.append(self.getInfo().stateText)

    def onCallMediaState(self, prm):
        info = self.getInfo()  # keep it: the media vector points into it
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.media_active = True


class Account(pj.Account):
    def __init__(self):
        pj.Account.__init__(self)
        self.calls = []

    def onIncomingCall(self, prm):
        call = Call(self, prm.callId)
        self.calls.append(call)
        op = pj.CallOpParam()
        op.statusCode = 200
        call.answer(op)


def bytes_round_trip():
    """ByteVector helpers (patches 0009 %nothread and 0010 limited API)."""
    data = bytes(range(256)) * 3
    vec = pj.ByteVector()
    vec.assign_from_bytes(data)
    assert vec.size() == len(data), vec.size()
    out = bytearray(len(data))
    vec.copy_to_bytearray(out)
    assert bytes(out) == data, "bytearray round trip differs"
    vec.assign_from_bytes(memoryview(bytearray(b"pjsua2")))
    view = memoryview(bytearray(10))
    vec.copy_to_bytearray(view)
    assert bytes(view[:6]) == b"pjsua2", bytes(view)
    try:
        vec.copy_to_bytearray(bytearray(2))
    except Exception:  # SWIG reports it as TypeError (or SystemError on some versions)
        pass
    else:
        raise AssertionError("copy_to_bytearray into a too small bytearray did not raise")
    return len(data)


def make_endpoint(log_file):
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0  # callbacks run in this thread, from libHandleEvents
    cfg.uaConfig.mainThreadOnly = True
    cfg.logConfig.level = 5
    cfg.logConfig.consoleLevel = 1
    cfg.logConfig.filename = log_file
    cfg.medConfig.clockRate = 8000  # the DFSG tree has no resampler
    cfg.medConfig.sndClockRate = 8000
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()
    return ep


def transport(ep, kind, cert=None, key=None):
    tcfg = pj.TransportConfig()
    tcfg.port = 0
    tcfg.boundAddress = HOST
    tcfg.publicAddress = HOST
    if cert:
        tcfg.tlsConfig.certFile = cert
        tcfg.tlsConfig.privKeyFile = key
        tcfg.tlsConfig.verifyServer = False
        tcfg.tlsConfig.verifyClient = False
    tid = ep.transportCreate(kind, tcfg)
    port = int(ep.transportGetInfo(tid).localName.rsplit(":", 1)[1])
    return tid, port


def account(ep, user, port, tid):
    acfg = pj.AccountConfig()
    acfg.idUri = "sip:%s@%s:%d" % (user, HOST, port)
    acfg.sipConfig.transportId = tid
    acfg.mediaConfig.transportConfig.boundAddress = HOST
    acfg.mediaConfig.transportConfig.publicAddress = HOST
    acfg.mediaConfig.transportConfig.port = random.randrange(20000, 40000, 2)
    acfg.mediaConfig.transportConfig.portRange = 2000
    acc = Account()
    acc.create(acfg)
    return acc


def pump(ep, until, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if until():
            return True
        ep.libHandleEvents(20)
    return until()


def call_and_hang_up(ep, caller, uri, timeout, talk=1.0):
    call = Call(caller)
    caller.calls.append(call)
    prm = pj.CallOpParam(True)
    start = time.monotonic()
    call.makeCall(uri, prm)
    confirmed = pump(ep, lambda: "CONFIRMED" in call.states, timeout)
    media = False
    if confirmed:
        pump(ep, lambda: False, talk)  # let RTP flow
        media = call.media_active
        call.hangup(pj.CallOpParam())
    disconnected = pump(ep, lambda: "DISCONNECTED" in call.states, timeout)
    return {
        "uri": uri,
        "states": call.states,
        "confirmed": confirmed,
        "media_active": media,
        "disconnected": disconnected,
        "duration_s": round(time.monotonic() - start, 2),
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["loopback", "tls", "sipp"])
    ap.add_argument("--port", type=int, default=0, help="sipp's port (mode sipp)")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("--log", default="pjsua2.log")
    args = ap.parse_args(argv)

    result = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "mode": args.mode,
        "bytes": bytes_round_trip(),
    }
    ep = make_endpoint(args.log)
    result["pjsua2"] = ep.libVersion().full
    try:
        if args.mode == "sipp":
            tid, port = transport(ep, pj.PJSIP_TRANSPORT_UDP)
            ep.libStart()
            alice = account(ep, "alice", port, tid)
            outcome = call_and_hang_up(
                ep, alice, "sip:service@%s:%d" % (HOST, args.port), args.timeout
            )
            accounts = [alice]
        else:
            kind = pj.PJSIP_TRANSPORT_TLS if args.mode == "tls" else pj.PJSIP_TRANSPORT_UDP
            suffix = ";transport=tls" if args.mode == "tls" else ""
            tid_a, port_a = transport(ep, kind, args.cert, args.key)
            tid_b, port_b = transport(ep, kind, args.cert, args.key)
            ep.libStart()
            alice = account(ep, "alice", port_a, tid_a)
            bob = account(ep, "bob", port_b, tid_b)
            outcome = call_and_hang_up(
                ep, alice, "sip:bob@%s:%d%s" % (HOST, port_b, suffix), args.timeout
            )
            answered = bob.calls[0].states if bob.calls else []
            outcome["callee_states"] = answered
            accounts = [alice, bob]
        result.update(outcome)
        # Call objects go before libDestroy (else pjsua2 asserts at shutdown)
        for acc in accounts:
            del acc.calls[:]
        del accounts
        ep.libHandleEvents(50)
    finally:
        ep.libDestroy()
    ok = result["confirmed"] and result["disconnected"]
    if args.mode != "sipp":
        ok = ok and "CONFIRMED" in result.get("callee_states", [])
    result["ok"] = bool(ok)
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
