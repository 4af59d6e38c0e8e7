#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run test_corehdr (TAP) on one fixture, then check with binutils' readelf
that the image it left (elfcorehdr in page 0 + notes at their physical
addresses) has the spec's program headers and notes.

usage: check_corehdr.py TEST_CORE FIXTURE_ROOT SPEC [test_corehdr options]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

n = 0
failed = 0


def ok(cond, msg):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, msg))
    if not cond:
        failed += 1
    return cond


def spec_lines(path):
    cls, notes, loads = None, [], []
    for line in open(path):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        if w[0] == "class":
            cls = int(w[1])
        elif w[0] == "note":
            notes.append((int(w[1], 0), int(w[2], 0)))
        elif w[0] == "load":
            vaddr = -1 if w[2] == "-1" else int(w[2], 0)
            loads.append((int(w[1], 0), vaddr, int(w[3], 0), int(w[4], 0)))
    return cls, notes, loads


def main():
    test, root, spec = sys.argv[1:4]
    extra = sys.argv[4:]
    tmp = tempfile.mkdtemp(prefix="corehdr-")
    try:
        image = os.path.join(tmp, "oldmem.img")
        p = subprocess.run([test, root, spec, image] + extra, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        for line in p.stdout.splitlines():
            m = re.match(r"(not ok|ok) \d+ (.*)", line)
            if m:
                ok(m.group(1) == "ok", m.group(2).lstrip("- "))
            elif not re.match(r"1\.\.\d+$", line):
                print("# " + line)
        ok(p.returncode == 0, "test_corehdr exit status %d" % p.returncode)
        if "--expect-error" in extra or not os.path.exists(image):
            return
        if not shutil.which("readelf"):
            print("# readelf missing: skipping the binutils cross-check")
            return
        cls, notes, loads = spec_lines(spec)
        out = subprocess.run(["readelf", "-hlnW", image], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True).stdout
        ok(("Class:                             ELF%d" % cls) in out, "readelf: ELF%d" % cls)
        ph = []
        for line in out.splitlines():
            w = line.split()
            if w and w[0] in ("NOTE", "LOAD"):
                ph.append((w[0], int(w[1], 16), int(w[2], 16), int(w[3], 16),
                           int(w[4], 16), int(w[5], 16)))
        want = [("NOTE", a, 0, a, s, s) for a, s in notes]
        mask = (1 << cls) - 1
        want += [("LOAD", o, v & mask, pa, s, s) for o, v, pa, s in loads]
        ok(ph == want, "readelf -l: %d program headers as in the spec" % len(want))
        if ph != want:
            for a, b in zip(ph, want):
                if a != b:
                    print("#   readelf %s\n#   spec    %s" % (a, b))
        prs = len(re.findall(r"CORE\s+0x[0-9a-f]+\s+NT_PRSTATUS", out))
        ok(prs == len(notes) - 1, "readelf -n: %d NT_PRSTATUS notes (CPUs: %d)" % (prs, len(notes) - 1))
        ok(re.search(r"VMCOREINFO\s+0x[0-9a-f]+", out) is not None, "readelf -n: a VMCOREINFO note")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        print("1..%d" % n)
        sys.exit(1 if failed else 0)


main()
