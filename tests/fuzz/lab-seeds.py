#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extra fuzz seeds from the lab's real vmcores (not checked in: the vmcores
live in ${CRASHCAP_CACHE:-~/.cache/crashcap}/vmcores). Each ELF vmcore is
trimmed to its headers and notes plus the first pages of its first PT_LOAD;
if makedumpfile is installed, a -c -d 31 kdump of it is trimmed likewise.
usage: lab-seeds.py OUTDIR   (writes OUTDIR/elf/lab-*, OUTDIR/kdump/lab-*)"""
import os
import struct
import subprocess
import sys
import tempfile

KEEP_PAGES = 8


def trim_elf(src, dst):
    with open(src, 'rb') as f:
        h = f.read(64)
        if h[:4] != b'\x7fELF' or h[4] != 2:
            return False
        phoff, = struct.unpack_from('<Q', h, 32)
        phnum, = struct.unpack_from('<H', h, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
        first = min(struct.unpack_from('<Q', ph, 56 * i + 8)[0]
                    for i in range(phnum) if struct.unpack_from('<I', ph, 56 * i)[0] == 1)
        f.seek(0)
        data = f.read(first + KEEP_PAGES * 4096)
    with open(dst, 'wb') as o:
        o.write(data)
    return True


def main():
    out = sys.argv[1]
    cache = os.environ.get('CRASHCAP_CACHE', os.path.expanduser('~/.cache/crashcap'))
    vdir = os.path.join(cache, 'vmcores')
    os.makedirs(os.path.join(out, 'elf'), exist_ok=True)
    os.makedirs(os.path.join(out, 'kdump'), exist_ok=True)
    names = sorted(n for n in os.listdir(vdir) if n.endswith('.elf')) if os.path.isdir(vdir) else []
    for n in names[:3]:
        src = os.path.join(vdir, n)
        if trim_elf(src, os.path.join(out, 'elf', 'lab-' + n)):
            print('elf seed from', n)
        with tempfile.TemporaryDirectory() as t:
            kd = os.path.join(t, 'kd')
            try:
                subprocess.run(['makedumpfile', '-c', '-d', '31', src, kd], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            except (OSError, subprocess.SubprocessError):
                continue
            with open(kd, 'rb') as f:
                h = f.read(464)
                block, sub, bitmap = struct.unpack_from('<iiI', h, 428)
                # header, sub header, bitmaps, the first descriptors and pages
                keep = block * (1 + sub + bitmap) + 64 * 24 + KEEP_PAGES * block
                f.seek(0)
                data = f.read(keep)
            with open(os.path.join(out, 'kdump', 'lab-' + n[:-4] + '.kdump'), 'wb') as o:
                o.write(data)
            print('kdump seed from', n)


if __name__ == '__main__':
    main()
