#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Extract the uncompressed ELF vmlinux from an x86 bzImage.

Reads the boot protocol setup header (Documentation/x86/boot.rst):
setup_sects at 0x1f1, payload_offset at 0x248, payload_length at 0x24c,
then decompresses the payload with the tool its magic names.
Used to give pahole a --btf_base for module BTF.
"""
import struct
import subprocess
import sys

MAGICS = [
    (b"\xfd7zXZ\x00", ["xz", "-dc"]),
    (b"\x28\xb5\x2f\xfd", ["zstd", "-dc"]),
    (b"\x1f\x8b", ["gzip", "-dc"]),
    (b"\x02\x21\x4c\x18", ["lz4", "-dc"]),
    (b"\x5d\x00\x00", ["xz", "--format=lzma", "-dc"]),
]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-vmlinux.py BZIMAGE OUT")
    data = open(sys.argv[1], "rb").read()
    if data[0x202:0x206] != b"HdrS":
        sys.exit("%s: not a bzImage (no HdrS)" % sys.argv[1])
    setup_sects = data[0x1f1] or 4
    off, length = struct.unpack_from("<II", data, 0x248)
    start = (setup_sects + 1) * 512 + off
    payload = data[start:start + length]
    for magic, cmd in MAGICS:
        if payload.startswith(magic):
            # The payload may carry a trailing size word; decompressors
            # accept trailing garbage only with -q, so ignore their rc and
            # check the ELF magic instead.
            res = subprocess.run(cmd + ["-q"], input=payload,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            out = res.stdout
            if out[:4] != b"\x7fELF":
                sys.exit("decompressed payload is not ELF")
            open(sys.argv[2], "wb").write(out)
            return
    sys.exit("unknown payload compression: %r" % payload[:6])


if __name__ == "__main__":
    main()
