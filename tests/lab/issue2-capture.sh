#!/bin/sh
# Issue 2 acceptance: a 1 GiB guest's vmcore (g1g) is a valid ELF core whose
# VMCOREINFO OSRELEASE is the booted kernel, and crash(8) with the debug
# vmlinux runs `sys` and `log` on it and shows the sysrq panic.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible
command -v crash >/dev/null 2>&1 || lab_skip "crash is not installed"

name=${1:-g1g}
core=$(lab_vmcore "$name") || t_bail "crashlab capture --name $name"
t_check "vmcore $name exists and is not empty" test -s "$core"

wall=$(lab_meta "$name" wall_seconds)
copy=$(lab_meta "$name" capture_seconds)
ram=$(lab_meta "$name" ram_mib)
t_diag "capture wall time: $wall s for a $ram MiB guest (boot, workload, panic, capture);" \
	"copying /proc/vmcore: $copy s; size $(stat -c %s "$core") bytes;" \
	"captured $(lab_meta "$name" created)"

hdr=$(readelf -h "$core" 2>&1)
t_check "ELF header: core file" sh -c 'echo "$1" | grep -q "Type:[[:space:]]*CORE"' _ "$hdr"
t_check "ELF header: ELF64 x86-64" sh -c 'echo "$1" | grep -q "Class:[[:space:]]*ELF64" &&
	echo "$1" | grep -q "Machine:[[:space:]]*Advanced Micro Devices X86-64"' _ "$hdr"

# every program header lies inside the file, and there is memory to read
size=$(stat -c %s "$core")
phs=$(readelf -W -l "$core" 2>/dev/null)
loads=$(echo "$phs" | grep -c '^[[:space:]]*LOAD')
t_check "has PT_LOAD segments ($loads)" test "$loads" -gt 0
end=$(echo "$phs" | python3 -c '
import sys
m = 0
for l in sys.stdin:
    f = l.split()
    if f and f[0] in ("LOAD", "NOTE"):
        m = max(m, int(f[1], 16) + int(f[4], 16))
print(m)')
t_check "segments end inside the file ($end <= $size)" test "$end" -le "$size"

notes=$(readelf -n "$core" 2>&1)
t_check "PT_NOTE has NT_PRSTATUS" sh -c 'echo "$1" | grep -q NT_PRSTATUS' _ "$notes"
t_check "PT_NOTE has VMCOREINFO" sh -c 'echo "$1" | grep -q "^ *VMCOREINFO"' _ "$notes"
# readelf prints the VMCOREINFO note only as hex; read the text ourselves
osrel=$(python3 - "$core" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb")
eh = f.read(64)
phoff, = struct.unpack_from("<Q", eh, 32)
phentsize, phnum = struct.unpack_from("<HH", eh, 54)
for i in range(phnum):
    f.seek(phoff + i * phentsize)
    ph = f.read(56)
    if struct.unpack_from("<I", ph)[0] != 4:
        continue
    off, = struct.unpack_from("<Q", ph, 8)
    sz, = struct.unpack_from("<Q", ph, 32)
    f.seek(off)
    d = f.read(sz)
    p = 0
    while p + 12 <= len(d):
        n, ds, t = struct.unpack_from("<III", d, p)
        p += 12
        nm = d[p:p + n].rstrip(b"\0")
        p += (n + 3) & ~3
        desc = d[p:p + ds]
        p += (ds + 3) & ~3
        if nm == b"VMCOREINFO":
            for l in desc.decode("ascii", "replace").splitlines():
                if l.startswith("OSRELEASE="):
                    print(l[10:])
PY
)
booted=$(lab_meta "$name" booted_osrelease)
kernel=$(lab_meta "$name" kernel)
t_diag "VMCOREINFO OSRELEASE=$osrel, guest uname -r=$booted, lab kernel=$kernel"
t_check "VMCOREINFO OSRELEASE equals the booted kernel" \
	test -n "$osrel" -a "$osrel" = "$booted" -a "$osrel" = "$kernel"

vmlinux=$(lab_dbg) || t_bail "crashlab dbg"
cmds=${TMPDIR:-/tmp}/issue2-crash.$$
printf 'sys\nlog\nquit\n' > "$cmds"
out=$(timeout 300 crash -s -i "$cmds" "$vmlinux" "$core" </dev/null 2>&1)
rc=$?
rm -f "$cmds"
t_check "crash -s exits 0 (rc=$rc)" test "$rc" = 0
t_check "crash sys: RELEASE is $osrel" sh -c 'echo "$1" | grep -q "RELEASE: $2\$"' _ "$out" "$osrel"
t_check "crash sys: PANIC is the sysrq crash" \
	sh -c 'echo "$1" | grep -q "PANIC: \"sysrq: \{0,1\}.*[Tt]rigger.*crash\|PANIC: \"Kernel panic - not syncing: sysrq triggered crash"' _ "$out"
t_check "crash log: sysrq trigger line" sh -c 'echo "$1" | grep -q "sysrq: Trigger a crash"' _ "$out"
t_check "crash log: panic line" \
	sh -c 'echo "$1" | grep -q "Kernel panic - not syncing: sysrq triggered crash"' _ "$out"
if [ "$_t_failed" != 0 ]; then
	echo "$out" | tail -n 40 | sed 's/^/# /'
fi
t_done
