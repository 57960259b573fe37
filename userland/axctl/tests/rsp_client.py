#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scripted GDB remote-protocol client for axctl's host tests (run.sh):
drives `axctl start --gdb unix:SOCK --gdb-wait` against the fake kernel
side (fake_axvm.c, FAKE_AXVM_SCRIPT=int3,block,o00f4=0) as gdb would:
handshake, registers, memory, an INT3 breakpoint, a step, ^C, the end.
Prints one "ok - ..." / "not ok - ..." line per check."""
import socket
import sys
import time

sock_path, entry = sys.argv[1], int(sys.argv[2], 16)
fails = 0


def check(cond, what):
    global fails
    print(("ok - " if cond else "not ok - ") + "gdb stub (fake): " + what)
    if not cond:
        fails += 1


def frame(data):
    return b"$" + data + b"#" + b"%02x" % (sum(data) & 0xff)


class Client:
    def __init__(self, path):
        for _ in range(100):
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.s.settimeout(20)
        self.buf = b""

    def recv(self):
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                data = self.buf[start + 1:end]
                csum = int(self.buf[end + 1:end + 3], 16)
                self.buf = self.buf[end + 3:]
                try:
                    self.s.sendall(b"+")
                except OSError:
                    pass  # the stub closed after its last packet (W)
                return data.decode() if csum == sum(data) & 0xff else "<bad checksum>"
            chunk = self.s.recv(4096)
            if not chunk:
                return "<closed>"
            self.buf += chunk

    def ask(self, req):
        self.s.sendall(frame(req.encode()))
        try:
            return self.recv()
        except socket.timeout:
            return "<timeout>"


c = Client(sock_path)
r = c.ask("qSupported:swbreak+;hwbreak+")
check("swbreak+" in r and "PacketSize=" in r, "qSupported: " + r)
xml = ""
while True:
    r = c.ask("qXfer:features:read:target.xml:%x,200" % len(xml))
    xml += r[1:]
    if not r.startswith("m"):
        break
check("i386:x86-64" in xml and xml.rstrip().endswith("</target>"),
      "target.xml read in pieces (%d bytes)" % len(xml))
check(c.ask("?") == "T05thread:1;", "?: stopped before the first instruction")
g = c.ask("g")
check(len(g) == 1200, "g: 600 bytes of registers")
rip = int.from_bytes(bytes.fromhex(g[256:272]), "little")
check(rip == entry, "g: RIP 0x%x at the entry 0x%x" % (rip, entry))
check(c.ask("m%x,1" % entry) == "f4", "m: the image's HLT at the entry")
check(c.ask("m0,0") == "", "m of 0 bytes is empty")
check(c.ask("m%x,4" % 0xf0000000).startswith("E"), "m outside guest RAM: error")
check(c.ask("Z0,%x,1" % entry) == "OK", "Z0 at the entry")
check(c.ask("m%x,1" % entry) == "cc", "the INT3 is in guest memory")
check(c.ask("Z3,%x,4" % entry) == "", "Z3 (read watchpoint): unsupported")
check(c.ask("Z2,%x,3" % entry).startswith("E"), "Z2 of 3 bytes: refused")
check(c.ask("Hg2") .startswith("E") and c.ask("Hg1") == "OK", "Hg: one thread only")
check(c.ask("P0=efbeadde00000000") == "OK" and c.ask("p0") == "efbeadde00000000",
      "P then p of RAX")
check(c.ask("c") == "T05thread:1;swbreak:;", "c: stopped at the INT3 (swbreak)")
check(c.ask("z0,%x,1" % entry) == "OK" and c.ask("m%x,1" % entry) == "f4",
      "z0 puts the byte back")
check(c.ask("s") == "T05thread:1;", "s: one step")
g = c.ask("g")
check(int.from_bytes(bytes.fromhex(g[256:272]), "little") == entry + 1,
      "s: RIP one instruction on")
c.s.sendall(frame(b"c"))
time.sleep(0.5)
c.s.sendall(b"\x03")
check(c.recv() == "T02thread:1;", "^C stops the running guest (SIGINT)")
check(c.ask("c") == "W01", "c: the guest ends (W01: axctl status 1)")
sys.exit(1 if fails else 0)
