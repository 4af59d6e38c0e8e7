#!/bin/sh
# A 6.12 guest (g1g-612): its modules are .ko.xz and virtio_pci is built in;
# the vmcore's VMCOREINFO names the booted 6.12 kernel, and drgn with the
# debug vmlinux reads the release and the sysrq panic from it.  (Debian 12's
# crash 8.0.2 cannot open 6.12 dumps; drgn is the reader here.)
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible

core=$(lab_vmcore g1g-612) || t_bail "crashlab capture --name g1g-612"
t_check "vmcore g1g-612 exists" test -s "$core"
kernel=$(lab_meta g1g-612 kernel)
booted=$(lab_meta g1g-612 booted_osrelease)
osrel=$(lab_meta g1g-612 osrelease)
t_check "a 6.12 kernel ($kernel)" sh -c 'case "$1" in 6.12.*) exit 0;; esac; exit 1' _ "$kernel"
t_check "VMCOREINFO OSRELEASE equals the booted kernel ($osrel)" \
	test -n "$osrel" -a "$osrel" = "$booted" -a "$osrel" = "$kernel"
t_diag "g1g-612 capture: $(lab_meta g1g-612 wall_seconds) s wall," \
	"$(lab_meta g1g-612 capture_seconds) s copy, $(lab_meta g1g-612 vmcore_size) bytes"
if /usr/bin/python3 -c 'import drgn' 2>/dev/null; then
	vmlinux=$(lab_dbg g1g-612) || t_bail "crashlab dbg --for g1g-612"
	out=$(timeout 300 /usr/bin/python3 - "$core" "$vmlinux" <<'PY' 2>&1
import sys, drgn
from drgn.helpers.linux.printk import get_dmesg
p = drgn.Program()
p.set_core_dump(sys.argv[1])
p.load_debug_info([sys.argv[2]])
print("release=" + p["init_uts_ns"].name.release.string_().decode())
for l in get_dmesg(p).decode(errors="replace").splitlines():
    if "sysrq" in l:
        print("dmesg:" + l)
PY
)
	t_check "drgn reads init_uts_ns.name.release" sh -c 'echo "$1" | grep -qx "release=$2"' _ "$out" "$osrel"
	t_check "drgn's dmesg shows the sysrq panic" \
		sh -c 'echo "$1" | grep -q "Kernel panic - not syncing: sysrq triggered crash"' _ "$out"
else
	t_diag "python3-drgn missing: reader checks not run"
fi
t_done
