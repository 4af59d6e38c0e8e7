#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab, i386 (686-pae, FLATMEM, ELF32): no makedumpfile on this host reads
# i386 dumps, so check against the guest itself: every kernel-log line the
# first kernel printed on its console is in `crashcap dmesg`, and the pages
# classified free / page cache match the guest's /proc/meminfo taken just
# before the panic (MemFree, Cached) within 1 %.  usage: lab-i386.sh NAME
. "$LAB_SRC/tests/lab/lib.sh"
name=${1:-g1g-i386}
lab_skip_unless_possible
core=$LAB_VMCORES/$name.elf
[ -r "$core" ] || core=$(lab_vmcore "$name") || t_bail "capture of $name failed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CRASHCAP" dmesg "$core" >"$tmp/dmesg.txt"
t_ok $? "$name: crashcap dmesg reads the i386 dump"
python3 - "$LAB_VMCORES/$name.log" "$tmp/dmesg.txt" >"$tmp/cmp.txt" <<'PY'
import re, sys
con = open(sys.argv[1], errors='replace').read().replace('\r', '').splitlines()
text = open(sys.argv[2], errors='replace').read()
lines = set(text.splitlines())
# continuation lines are indented in the dump's log (makedumpfile's format)
flat = set(l.strip() for l in text.splitlines())
first = []
for i, l in enumerate(con):
    if i and 'Linux version' in l:
        break
    if re.match(r'^\[ *\d+\.\d{6}\] ', l):
        first.append(l)
miss = [l for l in first if l not in lines and re.sub(r'^\[ *\d+\.\d{6}\] ', '', l) not in flat]
print(len(first), len(miss))
for l in miss[:5]:
    print('missing:', l)
PY
read -r total miss <"$tmp/cmp.txt"
sed -n '2,$s/^/# /p' "$tmp/cmp.txt"
t_ok "$([ "$total" -gt 20 ] && [ "$miss" = 0 ]; echo $?)" \
	"$name: all $total first-kernel console lines are in the dumped log"
"$KEPT_PFNS" -s -d 31 "$core" >/dev/null 2>"$tmp/st.txt"
t_ok $? "$name: classification at -d 31 runs"
sed 's/^/# /' "$tmp/st.txt"
free=$(sed -n 's/.* free \([0-9]*\) .*/\1/p' "$tmp/st.txt")
cache=$(sed -n 's/.* cache \([0-9]*\) cache_priv \([0-9]*\) .*/\1 \2/p' "$tmp/st.txt" | awk '{print $1 + $2}')
memfree=$(lab_meta "$name" meminfo_kib.MemFree 2>/dev/null)
cached=$(lab_meta "$name" meminfo_kib.Cached 2>/dev/null)
if [ -n "$memfree" ] && [ -n "$cached" ]; then
	t_ok "$(awk -v a="$free" -v b="$memfree" 'BEGIN { d = a * 4 - b; if (d < 0) d = -d; exit !(d <= b / 100) }'; echo $?)" \
		"$name: free pages $free (x4 KiB) match MemFree $memfree KiB within 1 %"
	t_ok "$(awk -v a="$cache" -v b="$cached" 'BEGIN { d = a * 4 - b; if (d < 0) d = -d; exit !(d <= b / 100) }'; echo $?)" \
		"$name: page cache $cache (x4 KiB) matches Cached $cached KiB within 1 %"
else
	t_diag "$name: no meminfo in the capture's metadata; counts not compared"
fi
t_done
