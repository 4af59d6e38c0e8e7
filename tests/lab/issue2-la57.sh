#!/bin/sh
# 5-level paging: the la57 guest (qemu64,+la57) really runs with 5-level page
# tables (VMCOREINFO NUMBER(pgtable_l5_enabled)=1), and crash(8) reads it.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible

core=$(lab_vmcore la57) || t_bail "crashlab capture --name la57"
t_check "vmcore la57 exists" test -s "$core"
l5=$(lab_meta la57 pgtable_l5_enabled)
t_check "VMCOREINFO NUMBER(pgtable_l5_enabled)=1 (got '$l5')" test "$l5" = 1
t_diag "la57 capture: $(lab_meta la57 wall_seconds) s wall, $(lab_meta la57 vmcore_size) bytes"
if command -v crash >/dev/null 2>&1; then
	lab_dbg >/dev/null || t_bail "crashlab dbg"
	out=$("$CRASHLAB" crash la57 sys 2>&1)
	t_check "crash sys works on the 5-level vmcore" \
		sh -c 'echo "$1" | grep -q "PANIC: .*sysrq triggered crash"' _ "$out"
fi
t_done
