#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check one fault-matrix cell's output against the fault-free reference.

usage: fault_check.py REF OUT EXPECT [MISSING_PADDR]
EXPECT: complete    -- not flagged incomplete, every reference page present and equal
        incomplete  -- flagged incomplete (ELF e_flags & 1 / kdump status & 8),
                       readable by libkdumpfile, every page it has equal to REF,
                       at least one page missing
        partial     -- incomplete, and it kept at least one page (the fault hit
                       in the middle of the page data)
        any         -- if OUT exists and libkdumpfile opens it: pages it has are
                       equal to REF, and it is flagged incomplete unless complete
MISSING_PADDR: with 'complete', this one page must be the only one missing
(a read error on the source), everything else equal.
Prints one summary line; exit 0 when the expectation holds.
"""
import os
import struct
import sys

import kdumpfile


def incomplete_flag(path):
    with open(path, 'rb') as f:
        h = f.read(464)
    if h[:4] == b'\x7fELF':
        off = 48 if h[4] == 2 else 36
        fmt = '<I' if h[5] == 1 else '>I'
        return bool(struct.unpack_from(fmt, h, off)[0] & 1)
    if h[:8] == b'KDUMP   ':
        return bool(struct.unpack_from('<I', h, 424)[0] & 8)
    if h[:12] == b'makedumpfile':
        return None
    return None


def elf_cut_pfns(path):
    """pfns whose data an ELF file's program headers place past its end.
    libkdumpfile (read policy) returns zeros for them instead of an error."""
    with open(path, 'rb') as f:
        h = f.read(64)
        if h[:4] != b'\x7fELF' or h[4] != 2 or h[5] != 1:
            return set()
        size = os.fstat(f.fileno()).st_size
        phoff, = struct.unpack_from('<Q', h, 32)
        phnum, = struct.unpack_from('<H', h, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    cut = set()
    for i in range(phnum):
        typ, _, off, _, paddr, filesz, _, _ = struct.unpack_from('<IIQQQQQQ', ph, 56 * i)
        if typ != 1:
            continue
        for o in range(0, filesz, 4096):
            if off + o + 4096 > size:
                cut.add((paddr + o) // 4096)
    return cut


def elf_absent_pfns(path, max_pfn):
    """pfns below max_pfn that no PT_LOAD of an ELF file holds data for (holes
    between segments, [filesz, memsz) tails). libkdumpfile reads them as
    zeros, which would hide a page the writer left out."""
    with open(path, 'rb') as f:
        h = f.read(64)
        if h[:4] != b'\x7fELF' or h[4] != 2 or h[5] != 1:
            return set()
        phoff, = struct.unpack_from('<Q', h, 32)
        phnum, = struct.unpack_from('<H', h, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    have = bytearray(max_pfn)
    for i in range(phnum):
        typ, _, _, _, paddr, filesz, _, _ = struct.unpack_from('<IIQQQQQQ', ph, 56 * i)
        if typ != 1:
            continue
        for pfn in range(paddr // 4096, min((paddr + filesz) // 4096, max_pfn)):
            have[pfn] = 1
    return {pfn for pfn in range(max_pfn) if not have[pfn]}


def pages(k, max_pfn, skip=frozenset()):
    for pfn in range(max_pfn):
        if pfn in skip:
            continue
        try:
            yield pfn, k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096)
        except kdumpfile.exceptions.NoDataException:
            continue
        except kdumpfile.exceptions.KDumpBaseException:
            # corrupt or past a truncated end: treat as missing
            continue


def main():
    ref, out, expect = sys.argv[1:4]
    missing_paddr = int(sys.argv[4], 0) if len(sys.argv) > 4 else None
    if not os.path.exists(out) or os.path.getsize(out) == 0:
        ok = expect == 'any'
        print(f'no output file; expect={expect}')
        return 0 if ok else 1
    try:
        ko = kdumpfile.kdumpfile(out)
        # KDUMP_MMAP_NEVER: a cut ELF file is shorter than its program
        # headers say, and libkdumpfile's mmap of it raises SIGBUS
        ko.attr['file.mmap_policy'] = 0
    except Exception as e:  # noqa: BLE001 - report any open failure
        print(f'libkdumpfile cannot open {out}: {e}')
        return 0 if expect == 'any' and incomplete_flag(out) is not True else 1
    kr = kdumpfile.kdumpfile(ref)
    max_pfn = kr.attr['max_pfn']
    got = dict(pages(ko, max_pfn, elf_cut_pfns(out) | elf_absent_pfns(out, max_pfn)))
    equal = missing = differ = 0
    missing_list = []
    for pfn, data in pages(kr, max_pfn, elf_absent_pfns(ref, max_pfn)):
        if pfn not in got:
            missing += 1
            missing_list.append(pfn)
        elif got[pfn] != data:
            differ += 1
        else:
            equal += 1
    flag = incomplete_flag(out)
    print(f'format={ko.attr["file.format"]} incomplete_flag={flag} equal={equal} '
          f'missing={missing} differ={differ} expect={expect}')
    if differ:
        return 1
    if expect == 'complete':
        if missing_paddr is not None:
            return 0 if missing_list == [missing_paddr // 4096] else 1
        return 0 if missing == 0 and not flag else 1
    if expect == 'incomplete':
        return 0 if flag and missing > 0 else 1
    if expect == 'partial':
        return 0 if flag and missing > 0 and equal > 0 else 1
    # any
    return 0 if (missing == 0 or flag) else 1


if __name__ == '__main__':
    sys.exit(main())
