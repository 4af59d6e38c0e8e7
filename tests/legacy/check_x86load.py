#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run test_x86load (TAP) in a scratch directory, then disassemble the
purgatory it wrote (seg-4.bin) with binutils' objdump and check the code:
flat GDT loaded and CS reloaded, data segments 0x18, the segment sums
checked (halt on mismatch), the low RAM copied to the backup, %esi =
boot_params, a jump to the kernel's 32-bit entry; and the sum table holds
the sums of the kernel, elfcorehdr, boot_params and initrd segments,
recomputed here from the segment files.

usage: check_x86load.py TEST_X86LOAD FIXTURE_ROOT
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

n = failed = 0


def ok(cond, msg):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, msg))
    failed += not cond


def main():
    tmp = tempfile.mkdtemp(prefix="x86load-")
    try:
        p = subprocess.run([sys.argv[1], sys.argv[2], tmp], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        for line in p.stdout.splitlines():
            m = re.match(r"(not ok|ok) \d+ - (.*)", line)
            if m:
                ok(m.group(1) == "ok", m.group(2))
            elif not re.match(r"1\.\.\d+$", line):
                print("# " + line)
        ok(p.returncode == 0, "test_x86load exit status %d" % p.returncode)
        vals = {}
        for line in open(os.path.join(tmp, "purgatory.txt")):
            k, v = line.split()
            vals[k] = int(v, 16)
        if not shutil.which("objdump"):
            print("# objdump missing: purgatory not disassembled")
            return
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386", "--stop-address=0x67",
                              os.path.join(tmp, "seg-4.bin")], stdout=subprocess.PIPE, text=True).stdout
        ins = [re.sub(r"\s+", " ", l.split("\t")[-1].strip()) for l in out.splitlines() if re.match(r"\s+[0-9a-f]+:\t", l)]
        h = lambda v: "0x%x" % v
        want = [
            "lgdtl %s" % h(vals["base"] + 0x100),
            "ljmp $0x10,$%s" % h(vals["base"] + 0xe),
            "mov $0x18,%eax", "mov %eax,%ds", "mov %eax,%es", "mov %eax,%ss", "mov %eax,%fs", "mov %eax,%gs",
            "mov $%s,%%esi" % h(vals["base"] + 0x110),
            "mov (%esi),%edi", "mov 0x4(%esi),%ecx", "test %ecx,%ecx", "je 0x43",
            "xor %eax,%eax",
            "add (%edi),%eax", "add $0x4,%edi", "dec %ecx", "jne 0x2d",
            "cmp 0x8(%esi),%eax", "jne 0x3f", "add $0xc,%esi", "jmp 0x22",
            "cli", "hlt", "jmp 0x3f",
            "cld",
            "mov $%s,%%esi" % h(vals["backup_src"]),
            "mov $%s,%%edi" % h(vals["backup_dst"]),
            "mov $%s,%%ecx" % h(vals["backup_size"]),
            "rep movsb %ds:(%esi),%es:(%edi)",
            "mov $%s,%%esi" % h(vals["boot_params"]),
            "xor %ebp,%ebp", "xor %edi,%edi", "xor %ebx,%ebx",
            "mov $%s,%%eax" % h(vals["kernel"]),
            "jmp *%eax",
        ]
        ok(ins == want, "objdump: purgatory is the expected %d instructions" % len(want))
        if ins != want:
            for a, b in zip(ins + [""] * len(want), want):
                if a != b:
                    print("#   objdump '%s'\n#   want    '%s'" % (a, b))
        seg = open(os.path.join(tmp, "seg-4.bin"), "rb").read()
        gdtr = seg[0x100:0x106]
        ok(gdtr == bytes([31, 0]) + (vals["base"] + 0xe0).to_bytes(4, "little"),
           "gdtr: limit 31, base = purgatory + 0xe0")
        ok(seg[0xf0:0x100] == bytes.fromhex("ffff0000009acf00ffff00000092cf00"),
           "GDT: 0x10 flat 32-bit code, 0x18 flat data")
        segs = {}
        for line in open(os.path.join(tmp, "segments.txt")):
            w = line.split()
            if w[0] == "seg":
                segs[w[2]] = (int(w[1]), int(w[3], 16))
        want = []
        for what in ("kernel", "elfcorehdr", "boot_params", "initrd"):
            idx, mem = segs[what]
            data = open(os.path.join(tmp, "seg-%d.bin" % idx), "rb").read()
            words = len(data) // 4
            want.append((mem, words, sum(struct.unpack_from("<%dI" % words, data)) & 0xffffffff))
        table = [struct.unpack_from("<III", seg, 0x110 + 12 * i) for i in range(5)]
        ok(table[:4] == want and table[4] == (0, 0, 0),
           "sum table: kernel, elfcorehdr, boot_params, initrd (addr, words, sum) recomputed from the segments, then the end mark")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        print("1..%d" % n)
        sys.exit(1 if failed else 0)


main()
