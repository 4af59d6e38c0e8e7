#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reader checks for the writers' lab test (owner: writers).

  lab_check.py pages SOURCE OUTPUT [--expect N | --min N]
      every page libkdumpfile can read from OUTPUT equals SOURCE's bytes;
      prints "pages=<readable> same=<equal>"; --expect: exactly N readable
  lab_check.py drgn OUTPUT VMLINUX
      drgn opens OUTPUT: crashed thread + a stack trace through panic
"""
import sys


def elf_file_ranges(path):
    """pfn ranges backed by file data in an ELF core, or None if not ELF."""
    import struct
    with open(path, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2:
            return None
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        rng = []
        for _ in range(phnum):
            t, fl, off, va, pa, fs, ms, al = struct.unpack("<IIQQQQQQ", f.read(56))
            if t == 1 and fs:
                rng.append(((pa + 4095) // 4096, (pa + fs) // 4096))
        return rng


def pages(src, out, expect=None, minimum=None):
    import kdumpfile
    from kdumpfile import exceptions as E
    ks = kdumpfile.kdumpfile(src)
    ko = kdumpfile.kdumpfile(out)
    PH = kdumpfile.KDUMP_MACHPHYSADDR
    maxpfn = ko.attr['max_pfn']
    readable = same = lost = outside = 0
    bad = []
    rng = elf_file_ranges(out)
    inside = None
    if rng is not None:
        inside = bytearray(maxpfn + 1)
        for a, b in rng:
            for p in range(a, min(b, maxpfn)):
                inside[p] = 1
    for pfn in range(maxpfn):
        try:
            d = ko.read(PH, pfn * 4096, 4096)
        except E.NoDataException:
            continue
        except E.CorruptException:
            # an incomplete kdump file: descriptor never written (size 0)
            lost += 1
            continue
        if inside is not None and not inside[pfn]:
            # libkdumpfile serves some pages outside every p_filesz range
            # (next to a segment start); ELF readers must not rely on them
            outside += 1
            continue
        readable += 1
        try:
            s = ks.read(PH, pfn * 4096, 4096)
        except E.NoDataException:
            s = None
        if s == d:
            same += 1
        elif len(bad) < 5:
            bad.append(pfn)
    print("pages=%d same=%d lost=%d outside=%d max_pfn=%d" % (readable, same, lost, outside, maxpfn))
    if bad:
        print("differing pfns: " + " ".join(hex(p) for p in bad))
    if readable != same or readable == 0:
        return 1
    if expect is not None and readable != expect:
        print("expected %d readable pages" % expect)
        return 1
    if minimum is not None and readable < minimum:
        print("expected at least %d readable pages" % minimum)
        return 1
    return 0


def drgn_check(out, vmlinux):
    import drgn
    prog = drgn.Program()
    prog.set_core_dump(out)
    prog.load_debug_info([vmlinux])
    t = prog.crashed_thread()
    names = []
    for f in t.stack_trace():
        try:
            names.append(f.name or "?")
        except Exception:
            names.append("?")
    print("crashed thread tid=%d frames: %s" % (t.tid, " ".join(names[:8])))
    return 0 if any(n in ("panic", "sysrq_handle_crash", "__crash_kexec",
                          "crash_kexec", "vpanic") for n in names) else 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "pages":
        exp = mn = None
        if len(argv) == 6 and argv[4] == "--expect":
            exp = int(argv[5])
        if len(argv) == 6 and argv[4] == "--min":
            mn = int(argv[5])
        return pages(argv[2], argv[3], exp, mn)
    if len(argv) == 4 and argv[1] == "drgn":
        return drgn_check(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
