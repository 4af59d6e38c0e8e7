#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab: for each dump level, the pfns crashcap keeps (kept-pfns) equal the pfns
# makedumpfile keeps in its kdump-compressed output (2nd bitmap minus pages
# that point at the shared zero page), on a real vmcore.  Also: small cycles
# give the same set, the free-list fallback agrees, and makedumpfile -E keeps
# the same pages.  usage: lab-parity.sh VMCORE_NAME [crashlab options]
# MAKEDUMPFILE=path selects the reference (default: Debian's makedumpfile).
# Debian's 1.7.2 predates the page types of 6.9+ kernels (hugetlb, slab in
# _mapcount; folio order in page[1].flags): on such a vmcore it keeps the
# tails of THP/hugetlb folios and drops slab pages whose mapping has bit 0, so
# with an old reference levels 8 and 31 only check that we keep fewer pages.
. "$LAB_SRC/tests/lab/lib.sh"
name=${1:-g1g}
[ $# -gt 0 ] && shift
lab_skip_unless_possible
mdf=${MAKEDUMPFILE:-makedumpfile}
command -v "$mdf" >/dev/null 2>&1 || lab_skip "makedumpfile is not installed"
# the cached capture when there is one (crashlab re-captures some presets
# on every call); otherwise capture it now
core=$LAB_VMCORES/$name.elf
[ -r "$core" ] || core=$(lab_vmcore "$name" "$@") || t_bail "capture of $name failed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mver=$("$mdf" -v 2>&1 | sed -n 's/.*version \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' | head -n 1)
old_ref=0
if grep -aq 'NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=' "$core" 2>/dev/null &&
	[ "$(printf '%s\n1.7.6\n' "$mver" | sort -V | head -n 1)" != 1.7.6 ]; then
	old_ref=1
fi
t_diag "$name: $core ($(lab_meta "$name" osrelease)); reference makedumpfile $mver (old_ref=$old_ref)"
for lv in 0 1 2 4 8 16 31; do
	rm -f "$tmp/mdf.kdump"
	if ! "$mdf" -l -d "$lv" "$core" "$tmp/mdf.kdump" >"$tmp/mdf.log" 2>&1; then
		t_ok 1 "$name -d $lv: makedumpfile failed: $(tail -n 2 "$tmp/mdf.log")"
		continue
	fi
	python3 "$MDF_KEPT" "$tmp/mdf.kdump" >"$tmp/mdf.txt" || t_bail "mdf-kept.py failed"
	"$KEPT_PFNS" -s -d "$lv" "$core" >"$tmp/cc.txt" 2>"$tmp/cc.log" ||
		t_bail "kept-pfns failed: $(cat "$tmp/cc.log")"
	t_diag "$(head -n 1 "$tmp/cc.log")"
	if [ "$old_ref" = 1 ] && { [ "$lv" = 8 ] || [ "$lv" = 31 ]; }; then
		a=$(awk '{s += $2 - $1} END {print s + 0}' "$tmp/cc.txt")
		b=$(awk '{s += $2 - $1} END {print s + 0}' "$tmp/mdf.txt")
		t_ok "$([ "$a" -le "$b" ]; echo $?)" \
			"$name -d $lv: we keep $a pages, makedumpfile $mver (predates these page types) keeps $b"
	elif cmp -s "$tmp/mdf.txt" "$tmp/cc.txt"; then
		t_ok 0 "$name -d $lv: kept pfns equal makedumpfile's ($(wc -l <"$tmp/cc.txt") ranges)"
	else
		t_ok 1 "$name -d $lv: kept pfns differ from makedumpfile's"
		diff "$tmp/mdf.txt" "$tmp/cc.txt" | head -n 20 | sed 's/^/# /'
	fi
	if [ "$old_ref" = 0 ] && { [ "$lv" = 1 ] || [ "$lv" = 31 ]; }; then
		# the ELF flavour: makedumpfile -E keeps the same pages, laid out per formats.md §1
		rm -f "$tmp/mdf.elf"
		if "$mdf" -E -d "$lv" "$core" "$tmp/mdf.elf" >"$tmp/mdfE.log" 2>&1; then
			t_check "$name -d $lv: makedumpfile -E output holds our kept set, drops only runs >= 256" \
				python3 "$ELF_CHECK" "$tmp/mdf.elf" "$tmp/cc.txt"
		else
			t_ok 1 "$name -d $lv: makedumpfile -E failed: $(tail -n 2 "$tmp/mdfE.log")"
		fi
		rm -f "$tmp/mdf.elf"
	fi
	if [ "$lv" = 16 ]; then
		# hide OFFSET(page.private) (same length): both tools must fall back to
		# the zones' free lists and still agree with the buddy-marker result
		cp --sparse=always "$core" "$tmp/nb.elf"
		python3 - "$tmp/nb.elf" <<'PY'
import mmap, sys
with open(sys.argv[1], 'r+b') as f:
    m = mmap.mmap(f.fileno(), 0)
    i = m.find(b'OFFSET(page.private)=')
    m[i:i + 21] = b'OFFSET(page.xrivate)='
    m.flush()
PY
		"$KEPT_PFNS" -d 16 "$tmp/nb.elf" >"$tmp/nb.txt" 2>"$tmp/nb.log"
		t_check "$name -d 16 via free lists: same pfns as via the buddy marker" \
			cmp -s "$tmp/nb.txt" "$tmp/cc.txt"
		rm -f "$tmp/mdf.kdump"
		"$mdf" -l -d 16 "$tmp/nb.elf" "$tmp/mdf.kdump" >/dev/null 2>&1 &&
			python3 "$MDF_KEPT" "$tmp/mdf.kdump" >"$tmp/mdf-nb.txt"
		t_check "$name -d 16 via free lists: equal makedumpfile's free-list result" \
			cmp -s "$tmp/nb.txt" "$tmp/mdf-nb.txt"
		rm -f "$tmp/nb.elf"
	fi
	if [ "$lv" = 31 ]; then
		"$KEPT_PFNS" -c 4099 -d 31 "$core" >"$tmp/cc-small.txt" 2>/dev/null
		t_check "$name -d 31: cycles of 4099 pfns keep the same set" \
			cmp -s "$tmp/cc.txt" "$tmp/cc-small.txt"
	fi
done
t_done
