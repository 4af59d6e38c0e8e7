#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check a makedumpfile -E output against a kept-pfn set (kept-pfns output):
every kept pfn has data in the ELF, and excluded runs follow formats.md §1 —
a run of >= 256 excluded pfns has no data, a shorter run between two kept
pfns is written. Leading/trailing runs of a source segment are not judged.
usage: elf-layout-check.py OUT.elf KEPT.txt   (exit 1 with a message on mismatch)"""
import struct
import sys


def elf_present(path):
    with open(path, 'rb') as f:
        eh = f.read(64)
        phoff, = struct.unpack_from('<Q', eh, 32)
        phentsize, phnum = struct.unpack_from('<HH', eh, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    ranges = []
    for i in range(phnum):
        p_type, = struct.unpack_from('<I', ph, i * phentsize)
        if p_type != 1:
            continue
        _, _, paddr, filesz, _, _ = struct.unpack_from('<QQQQQQ', ph, i * phentsize + 8)
        if filesz:
            ranges.append((paddr >> 12, (paddr + filesz) >> 12))
    return ranges


def main(elf, kept_txt):
    kept = [tuple(map(int, l.split())) for l in open(kept_txt)]
    have = set()
    for a, b in elf_present(elf):
        have.update(range(a, b))
    bad = []
    for a, b in kept:
        miss = [p for p in range(a, b) if p not in have]
        if miss:
            bad.append('kept pfns %d..%d: %d have no data in the ELF' % (a, b, len(miss)))
    for (a0, b0), (a1, b1) in zip(kept, kept[1:]):
        gap = range(b0, a1)
        inside = sum(1 for p in gap if p in have)
        if len(gap) >= 256 and inside:
            bad.append('excluded run %d..%d (%d pfns) has %d pages of data' % (b0, a1, len(gap), inside))
        if len(gap) < 256 and inside not in (0, len(gap)):
            bad.append('short run %d..%d partly written (%d of %d)' % (b0, a1, inside, len(gap)))
    if bad:
        print('\n'.join(bad[:20]))
        sys.exit(1)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
