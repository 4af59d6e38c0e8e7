#!/bin/sh
# An i386 PAE guest (g1g-i386: 686-pae kernel under qemu-system-i386, classic
# kexec -p): the vmcore is an ELF32 i386 core whose VMCOREINFO names the booted
# kernel, and libkdumpfile opens it as ia32.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible
command -v qemu-system-i386 >/dev/null 2>&1 || lab_skip "qemu-system-i386 is not installed"

core=$(lab_vmcore g1g-i386) || t_bail "crashlab capture --name g1g-i386"
hdr=$(readelf -h "$core" 2>&1)
t_check "ELF32 core" sh -c 'echo "$1" | grep -q "Class:[[:space:]]*ELF32" &&
	echo "$1" | grep -q "Type:[[:space:]]*CORE"' _ "$hdr"
t_check "machine Intel 80386" sh -c 'echo "$1" | grep -q "Machine:[[:space:]]*Intel 80386"' _ "$hdr"
osrel=$(lab_meta g1g-i386 osrelease)
booted=$(lab_meta g1g-i386 booted_osrelease)
t_check "VMCOREINFO OSRELEASE equals the booted 686-pae kernel ($osrel)" \
	sh -c 'test "$1" = "$2" && case "$1" in *-686-pae) exit 0;; esac; exit 1' _ "$osrel" "$booted"
t_diag "g1g-i386: $(lab_meta g1g-i386 wall_seconds) s wall, $(lab_meta g1g-i386 capture_seconds) s copy," \
	"$(lab_meta g1g-i386 vmcore_size) bytes"
if /usr/bin/python3 -c 'import kdumpfile' 2>/dev/null; then
	out=$(/usr/bin/python3 - "$core" <<'PY' 2>&1
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"
print("arch=" + str(k.attr["arch.name"]))
print("release=" + str(k.attr["linux.uts.release"]))
PY
)
	t_check "libkdumpfile: arch ia32" sh -c 'echo "$1" | grep -qx arch=ia32' _ "$out"
	t_check "libkdumpfile: release $osrel" sh -c 'echo "$1" | grep -qx "release=$2"' _ "$out" "$osrel"
fi
t_done
