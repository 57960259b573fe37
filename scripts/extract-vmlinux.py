#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Extract the uncompressed vmlinux (ELF) from an x86 bzImage.

    extract-vmlinux.py BZIMAGE OUT

axctl boots either; a vmlinux skips the kernel's own decompressor, which
is most of a boot's instructions (Documentation/linux-guests.rst). The
payload is found through the setup header (payload_offset and
payload_length, boot protocol 2.08+), not by searching for magic bytes.
xz and gzip payloads are decoded here (Debian's kernels use xz); zstd,
lz4, bzip2 and lzma ones through the command of that name. Exit status:
0, or 1 with the reason on stderr.
"""
import lzma
import shutil
import struct
import subprocess
import sys
import zlib

TOOLS = [  # magic, command for the formats Python does not decode itself
    (b"\x28\xb5\x2f\xfd", ["zstd", "-qdc"]),
    (b"\x02\x21\x4c\x18", ["lz4", "-dc"]),
    (b"BZh", ["bzip2", "-dc"]),
    (b"\x5d\x00\x00", ["lzma", "-dc"]),
]


def payload(img):
    if len(img) < 0x250 or img[0x202:0x206] != b"HdrS":
        raise ValueError("not a bzImage (no HdrS setup header)")
    if struct.unpack_from("<H", img, 0x206)[0] < 0x208:
        raise ValueError("boot protocol before 2.08: no payload_offset")
    setup = ((img[0x1f1] or 4) + 1) * 512
    off, length = struct.unpack_from("<II", img, 0x248)
    if setup + off + length > len(img):
        raise ValueError("truncated bzImage (payload past the end)")
    return img[setup + off:setup + off + length]


def decompress(p):
    if p.startswith(b"\xfd7zXZ\x00"):
        d = lzma.LZMADecompressor(lzma.FORMAT_XZ)
        return d.decompress(p)  # the 4-byte size after the stream is ignored
    if p.startswith(b"\x1f\x8b"):
        return zlib.decompressobj(wbits=31).decompress(p)  # trailing bytes ignored
    for magic, cmd in TOOLS:
        if p.startswith(magic):
            if not shutil.which(cmd[0]):
                raise ValueError(f"payload needs {cmd[0]}, which is not installed")
            r = subprocess.run(cmd, input=p, capture_output=True)
            if not r.stdout:
                raise ValueError(f"{cmd[0]} failed: {r.stderr.decode().strip()}")
            return r.stdout
    raise ValueError("unknown payload compression")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 1
    try:
        with open(sys.argv[1], "rb") as f:
            elf = decompress(payload(f.read()))
        if elf[:4] != b"\x7fELF":
            raise ValueError("the payload is not an ELF file")
        with open(sys.argv[2], "wb") as f:
            f.write(elf)
    except (OSError, ValueError, EOFError, lzma.LZMAError, zlib.error) as e:
        print(f"extract-vmlinux: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
