#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Lab test (suite 'lab'): i386 686-pae kdumps captured by scripts/lab/i386lab,
one loaded by kexec-tools (vmcores/i386), one by crashcap-kload (vmcores/i386-kload).

usage: lab_i386.py I386LAB CRASHCAP ECREAD OLDMEM_CMP KDF_COMPARE PRESENT_PFNS

Captures: i386 (512 MiB, kexec-tools), i386-kload (512 MiB, crashcap-kload),
i386-1536 (1.5 GiB with highmem, tmpfs and anonymous memory, kexec-tools).
Per capture:
  - the elfcorehdr the capture kernel received (read through /dev/mem at
    elfcorehdr=) equals the one our builder made in the first kernel for the
    same backup address; on the kexec-tools capture this compares our builder
    with kexec-tools byte for byte;
  - low memory: the dump's first range, the backup region (read raw) and the
    low 640 KiB read through /proc/kcore just before the panic are equal; the
    capture kernel's own low memory is not (that is why the backup exists);
  - crashcap info, libelfcore and libkdumpfile read the ELF32 vmcore alike;
  - /dev/oldmem + elfcorehdr (emulated: an image with the real backup bytes at
    the backup address and the capture kernel's low memory at the original
    place) reads equal to /proc/vmcore through ec_open_oldmem;
  - crashcap save -l -d 31 filters it; libkdumpfile opens the result, its pages
    equal the vmcore's, and it translates a kernel virtual address (PAE);
    it keeps the same non-zero pages as Debian's i386 makedumpfile -l -d 31
    run on /proc/vmcore in the capture kernel.
Exit 77 only when the lab cannot run at all.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

I386LAB, CRASHCAP, ECREAD, OLDMEM_CMP, KDF_COMPARE, PRESENT_PFNS = sys.argv[1:7]
CACHE = os.environ.get("CRASHCAP_CACHE") or os.path.expanduser("~/.cache/crashcap")
VM = os.path.join(CACHE, "vmcores")
n = failed = 0


def ok(cond, msg, todo=None):
    """todo: a known bug (requests-legacy.md); TAP TODO, so the test fails
    once the bug is fixed and the marker must go."""
    global n, failed
    n += 1
    print("%s %d - %s%s" % ("ok" if cond else "not ok", n, msg, " # TODO " + todo if todo else ""), flush=True)
    failed += not cond and not todo
    return cond


def diag(msg):
    print("# " + msg, flush=True)


def phdrs(b):
    """(type, offset, vaddr, paddr, filesz) of an ELF32/ELF64 header image."""
    cls = b[4]
    if cls == 1:
        phoff, = struct.unpack_from("<I", b, 28)
        phent, phnum = struct.unpack_from("<HH", b, 42)
        return [(lambda t: (t[0], t[1], t[2], t[3], t[4]))(struct.unpack_from("<8I", b, phoff + i * phent))
                for i in range(phnum)]
    phoff, = struct.unpack_from("<Q", b, 32)
    phent, phnum = struct.unpack_from("<HH", b, 54)
    out = []
    for i in range(phnum):
        t, _f, off, va, pa, fs, _ms, _al = struct.unpack_from("<IIQQQQQQ", b, phoff + i * phent)
        out.append((t, off, va, pa, fs))
    return out


def notes(data):
    """Split a PT_NOTE payload into whole notes (bytes each)."""
    out, off = [], 0
    while off + 12 <= len(data):
        nsz, dsz, typ = struct.unpack_from("<III", data, off)
        if nsz == 0 and dsz == 0 and typ == 0:
            break
        end = off + 12 + (nsz + 3) // 4 * 4 + (dsz + 3) // 4 * 4
        out.append(data[off:end])
        off = end
    return out


def ensure(name, loader, extra):
    path = os.path.join(VM, name + ".elf")
    if not os.path.exists(path) or not os.path.isdir(os.path.join(VM, name + ".out", "out")):
        r = subprocess.run([I386LAB, "--loader", loader] + extra + [name])
        if r.returncode == 77:
            print("1..0 # SKIP the i386 lab cannot run here")
            sys.exit(77)
        if not ok(r.returncode == 0, "%s: i386lab --loader %s captured" % (name, loader)):
            return None
    return path


def check(name, loader, tmp, extra=()):
    core = ensure(name, loader, list(extra))
    if not core:
        return
    d = os.path.join(VM, name + ".out")
    pre, out = os.path.join(d, "pre"), os.path.join(d, "out")
    ours = open(os.path.join(pre, "our-corehdr.bin"), "rb").read()
    got = open(os.path.join(out, "elfcorehdr.bin"), "rb").read()
    who = "kexec-tools'" if loader == "kexec" else "crashcap-kload's"
    ok(len(got) >= len(ours) and got[:len(ours)] == ours and not any(got[len(ours):]),
       "%s: the elfcorehdr the capture kernel got (%s, %d bytes) equals our builder's byte for byte"
       % (name, who, len(ours)))
    bdst, lstart, lsize = map(int, open(os.path.join(pre, "backup")).read().split())
    diag("%s: backup [0x%x, 0x%x] -> 0x%x" % (name, lstart, lstart + lsize - 1, bdst))
    hdr = phdrs(got)
    diag("%s: elfcorehdr: %s" % (name, ", ".join(
        "%s 0x%x@0x%x%s" % ("LOAD" if p[0] == 1 else "NOTE", p[4], p[3],
                            " vaddr -1" if p[0] == 1 and p[2] in (0xffffffff, (1 << 64) - 1) else "")
        for p in hdr)))
    low = [p for p in hdr if p[0] == 1 and p[3] == lstart]
    ok(len(low) == 1 and low[0][1] == bdst and low[0][4] == lsize,
       "%s: the low RAM PT_LOAD points at the backup (p_offset 0x%x)" % (name, low[0][1] if low else -1))
    vb = open(core, "rb").read(1 << 16)
    vph = phdrs(vb)
    vlow = [p for p in vph if p[0] == 1 and p[3] == lstart]
    with open(core, "rb") as f:
        f.seek(vlow[0][1])
        dump_low = f.read(lsize)
    before = open(os.path.join(pre, "lowmem.bin"), "rb").read()
    backup = open(os.path.join(out, "backup.bin"), "rb").read()
    capt = open(os.path.join(out, "capture-lowmem.bin"), "rb").read()
    nz = sum(1 for x in before if x)
    ok(dump_low == before, "%s: the dump's [0x%x, 0x%x] equals the low RAM read through /proc/kcore before the panic (%d non-zero bytes)"
       % (name, lstart, lstart + lsize - 1, nz))
    # kexec-tools frees a 1 KiB sliver after its backup data as capture-kernel
    # RAM, so /dev/mem refuses the backup's last page there: compare what was read
    ok(len(backup) >= lsize - 4096 and backup == before[:len(backup)],
       "%s: the backup region read raw in the capture kernel equals it too (%d of %d bytes readable through /dev/mem)"
       % (name, len(backup), lsize))
    pages = sum(1 for i in range(0, lsize, 4096) if capt[i:i + 4096] != before[i:i + 4096])
    ok(pages > 0, "%s: the capture kernel rewrote %d pages of the original low RAM (read there, the dump would be wrong)"
       % (name, pages))

    info = subprocess.run([CRASHCAP, "info", core], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    ok(re.search(r"class:\s+ELF32", info) and re.search(r"machine:\s+i386", info) and "686-pae" in info,
       "%s: crashcap info: ELF32, i386, 686-pae" % name)
    r = subprocess.run(["/usr/bin/python3", KDF_COMPARE, ECREAD, core, "1500"], stdout=subprocess.PIPE, text=True)
    ok(r.returncode == 0 and " - " in r.stdout and "not ok" not in r.stdout,
       "%s: libelfcore and libkdumpfile agree on the ELF32 vmcore: %s" % (name, r.stdout.strip().split(" - ")[-1]))

    # /dev/oldmem emulation: old memory as the capture kernel sees it
    img = os.path.join(tmp, name + ".oldmem")
    with open(core, "rb") as src, open(img, "wb") as dst:
        dst.truncate(max(p[1] + p[4] for p in hdr) + (1 << 20))
        for t, off, va, pa, sz in hdr:
            if t != 1:
                continue
            if off != pa:
                dst.seek(off)
                dst.write(backup)
                dst.seek(pa)
                dst.write(capt)
                continue
            v = [p for p in vph if p[0] == 1 and p[3] == pa][0]
            src.seek(v[1])
            dst.seek(pa)
            left = sz
            while left:
                chunk = src.read(min(left, 16 << 20))
                dst.write(chunk)
                left -= len(chunk)
        vn = [p for p in vph if p[0] == 4][0]
        src.seek(vn[1])
        merged = notes(src.read(vn[4]))
        hn = [p for p in hdr if p[0] == 4]
        core_notes = [x for x in merged if x[12:17] == b"CORE\0"]
        vmci = [x for x in merged if x[12:23] == b"VMCOREINFO\0"]
        for (t, off, va, pa, sz), body in zip(hn[:-1], core_notes):
            dst.seek(pa)
            dst.write(body + bytes(12))
        dst.seek(hn[-1][3])
        dst.write(vmci[0])
    hdrfile = os.path.join(tmp, name + ".hdr")
    open(hdrfile, "wb").write(got[:len(ours)])
    r = subprocess.run([OLDMEM_CMP, core, img, hdrfile], stdout=subprocess.PIPE, text=True)
    for line in r.stdout.splitlines():
        m = re.match(r"(not ok|ok) \d+ - (.*)", line)
        if m:
            ok(m.group(1) == "ok", "%s: oldmem: %s" % (name, m.group(2)))
        elif line.startswith("#"):
            print(line)
    ok(r.returncode == 0, "%s: oldmem_cmp exit %d" % (name, r.returncode))
    os.unlink(img)

    # crashcap save -l -d 31 (64-bit crashcap filtering an i386 PAE dump)
    kd = os.path.join(tmp, name + ".kdump")
    r = subprocess.run([CRASHCAP, "save", "-l", "-d", "31", core, kd], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    ok(r.returncode == 0 and os.path.exists(kd), "%s: crashcap save -l -d 31: %s" % (name, r.stdout.strip()))
    if r.returncode != 0:
        return
    code = r'''
import kdumpfile, random, sys
core, kd = sys.argv[1], sys.argv[2]
def op(p):
    k = kdumpfile.kdumpfile(p); k.attr["addrxlat.ostype"] = "linux"; return k
e, k = op(core), op(kd)
print("arch", k.attr["arch.name"], "format", k.attr["file.format"])
ps = 4096
rng = random.Random(7)
kept = same = 0
for pfn in [rng.randrange(int(e.attr["max_pfn"])) for _ in range(3000)]:
    try:
        a = bytes(k.read(kdumpfile.KDUMP_KPHYSADDR, pfn * ps, ps))
    except Exception:
        continue
    kept += 1
    same += a == bytes(e.read(kdumpfile.KDUMP_KPHYSADDR, pfn * ps, ps))
print("kept", kept, "same", same)
# libkdumpfile 0.5 has no ia32 direct map for a kdump without debug info
# (KVADDR reads recurse), so walk the PAE page tables here, through its
# physical reads of the kdump: the filter must have kept them.
import struct
vi = k.attr["linux.vmcoreinfo.lines"]
uts = int(vi["SYMBOL(init_uts_ns)"], 16)
pg = int(vi["SYMBOL(swapper_pg_dir)"], 16) - 0xc0000000
rd = lambda a, n: bytes(k.read(kdumpfile.KDUMP_KPHYSADDR, a, n))
q = lambda a: struct.unpack("<Q", rd(a, 8))[0]
pde = q((q(pg + 8 * (uts >> 30)) & 0xffffff000) + 8 * ((uts >> 21) & 511))
if pde & 0x80:
    pa = (pde & 0xfffe00000) | (uts & 0x1fffff)
else:
    pa = (q((pde & 0xffffff000) + 8 * ((uts >> 12) & 511)) & 0xffffff000) | (uts & 0xfff)
print("uts", b"686-pae" in rd(pa, 400), hex(pa))
'''
    r = subprocess.run(["/usr/bin/python3", "-c", code, core, kd], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    o = r.stdout
    ok("arch ia32" in o and "format diskdump" in o, "%s: libkdumpfile opens the -d 31 kdump: %s"
       % (name, o.splitlines()[0] if o else r.returncode))
    m = re.search(r"kept (\d+) same (\d+)", o)
    ok(m and int(m.group(1)) > 0 and m.group(1) == m.group(2),
       "%s: its pages equal the vmcore's (%s of 3000 random pfns kept)" % (name, m.group(1) if m else "?"))
    ok("uts True" in o, "%s: init_uts_ns translates through the kdump's PAE page tables (%s)"
       % (name, o.split("uts ")[-1].strip() if "uts " in o else o[-300:]))
    r = subprocess.run(["/usr/bin/python3", KDF_COMPARE, ECREAD, kd, "1500"], stdout=subprocess.PIPE, text=True)
    ok(r.returncode == 0 and "not ok" not in r.stdout,
       "%s: libelfcore and libkdumpfile agree on the kdump: %s" % (name, r.stdout.strip().split(" - ")[-1]))
    if r.returncode != 0:
        print("\n".join("# " + x for x in r.stdout.splitlines()[:8]))
    mdf = os.path.join(out, "mdf-l31.kdump")
    if os.path.exists(mdf):
        def pfns(path):
            r = subprocess.run([PRESENT_PFNS, path], stdout=subprocess.PIPE, text=True)
            s = set()
            for line in r.stdout.split("\n"):
                if line:
                    a, b = map(int, line.split())
                    s.update(range(a, b))
            return s if r.returncode == 0 else None
        mine, ref = pfns(kd), pfns(mdf)
        if mine is None or ref is None:
            ok(False, "%s: present_pfns failed on %s" % (name, kd if mine is None else mdf))
        else:
            only_mine, only_ref = sorted(mine - ref), sorted(ref - mine)
            ok(not only_mine and not only_ref,
               "%s: crashcap -l -d 31 keeps the same %d non-zero pages as i386 makedumpfile 1.7.2 (%d) [only crashcap: %d, only makedumpfile: %d]"
               % (name, len(mine), len(ref), len(only_mine), len(only_ref)))
            for what, lst in (("only crashcap", only_mine), ("only makedumpfile", only_ref)):
                if lst:
                    diag("%s: pfns %s" % (what, " ".join("0x%x" % p for p in lst[:12])))
    else:
        diag("%s: no makedumpfile output from the guest (i386 makedumpfile not available)" % name)
    el = os.path.join(tmp, name + ".E.elf")
    r = subprocess.run([CRASHCAP, "save", "-E", "-d", "31", core, el], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    code = r'''
import kdumpfile, sys
k = kdumpfile.kdumpfile(sys.argv[1]); k.attr["addrxlat.ostype"] = "linux"
uts = int(k.attr["linux.vmcoreinfo.lines"]["SYMBOL(init_uts_ns)"], 16)
print(b"686-pae" in bytes(k.read(kdumpfile.KDUMP_KVADDR, uts, 400)))
'''
    o = subprocess.run(["/usr/bin/python3", "-c", code, el], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True).stdout if r.returncode == 0 else r.stdout
    ok(r.returncode == 0 and o.strip() == "True",
       "%s: crashcap save -E -d 31: libkdumpfile reads init_uts_ns by virtual address (ELF32 output)%s"
       % (name, "" if r.returncode == 0 else ": " + r.stdout.strip()))


def main():
    tmp = tempfile.mkdtemp(prefix="lab-i386-")
    try:
        check("i386", "kexec", tmp)
        check("i386-kload", "kload", tmp)
        # 1.5 GiB: highmem (p_vaddr -1 past 896 MiB), tmpfs and anonymous pages to filter
        check("i386-1536-highmem", "kexec", tmp, ["--ram", "1536", "--workload"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
