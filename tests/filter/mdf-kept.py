#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the pfns a kdump-compressed file (makedumpfile -c/-l/-p/-z) holds, as
half-open decimal ranges "START END": set in the 2nd bitmap and, when the dump
level has bit 1, not pointing at the shared zero page (formats.md §2).
usage: mdf-kept.py FILE"""
import struct
import sys


def main(path):
    with open(path, 'rb') as f:
        hdr = f.read(4096)
        if hdr[:8] != b'KDUMP   ':
            sys.exit('%s: not a kdump-compressed file' % path)
        block, sub_blocks, bm_blocks = struct.unpack_from('<iiI', hdr, 428)
        f.seek(block)
        sub = f.read(104)
        level = struct.unpack_from('<i', sub, 8)[0]
        max_mapnr = struct.unpack_from('<Q', sub, 96)[0]
        f.seek(block * (1 + sub_blocks + bm_blocks // 2))
        bm2 = f.read(block * (bm_blocks // 2))
        nset = sum(bin(b).count('1') for b in bm2)
        desc_off = block * (1 + sub_blocks + bm_blocks)
        zero_off = desc_off + 24 * nset if level & 1 else None
        f.seek(desc_off)
        descs = f.read(24 * nset)
    idx = 0
    run = None
    for pfn in range(max_mapnr + 1):
        keep = False
        if pfn < max_mapnr and bm2[pfn >> 3] & (1 << (pfn & 7)):
            off = struct.unpack_from('<q', descs, 24 * idx)[0]
            idx += 1
            keep = off != zero_off
        if keep and run is None:
            run = pfn
        elif not keep and run is not None:
            print(run, pfn)
            run = None


if __name__ == '__main__':
    main(sys.argv[1])
