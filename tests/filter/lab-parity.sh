#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab: for each dump level, the pfns crashcap keeps (kept-pfns) equal the pfns
# makedumpfile keeps in its kdump-compressed output (2nd bitmap minus pages
# that point at the shared zero page), on a real vmcore.  Also: small cycles
# give the same set.  usage: lab-parity.sh VMCORE_NAME
. "$LAB_SRC/tests/lab/lib.sh"
name=${1:-g1g}
lab_skip_unless_possible
command -v makedumpfile >/dev/null 2>&1 || lab_skip "makedumpfile is not installed"
core=$(lab_vmcore "$name") || t_bail "capture of $name failed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t_diag "$name: $core ($(lab_meta "$name" osrelease))"
for lv in 0 1 2 4 8 16 31; do
	rm -f "$tmp/mdf.kdump"
	if ! makedumpfile -l -d "$lv" "$core" "$tmp/mdf.kdump" >"$tmp/mdf.log" 2>&1; then
		t_ok 1 "$name -d $lv: makedumpfile failed: $(tail -n 2 "$tmp/mdf.log")"
		continue
	fi
	python3 "$MDF_KEPT" "$tmp/mdf.kdump" >"$tmp/mdf.txt" || t_bail "mdf-kept.py failed"
	"$KEPT_PFNS" -s -d "$lv" "$core" >"$tmp/cc.txt" 2>"$tmp/cc.log" ||
		t_bail "kept-pfns failed: $(cat "$tmp/cc.log")"
	t_diag "$(head -n 1 "$tmp/cc.log")"
	if cmp -s "$tmp/mdf.txt" "$tmp/cc.txt"; then
		t_ok 0 "$name -d $lv: kept pfns equal makedumpfile's ($(wc -l <"$tmp/cc.txt") ranges)"
	else
		t_ok 1 "$name -d $lv: kept pfns differ from makedumpfile's"
		diff "$tmp/mdf.txt" "$tmp/cc.txt" | head -n 20 | sed 's/^/# /'
	fi
	if [ "$lv" = 1 ] || [ "$lv" = 31 ]; then
		# the ELF flavour: makedumpfile -E keeps the same pages, laid out per formats.md §1
		rm -f "$tmp/mdf.elf"
		if makedumpfile -E -d "$lv" "$core" "$tmp/mdf.elf" >"$tmp/mdfE.log" 2>&1; then
			t_check "$name -d $lv: makedumpfile -E output holds our kept set, drops only runs >= 256" \
				python3 "$ELF_CHECK" "$tmp/mdf.elf" "$tmp/cc.txt"
		else
			t_ok 1 "$name -d $lv: makedumpfile -E failed: $(tail -n 2 "$tmp/mdfE.log")"
		fi
		rm -f "$tmp/mdf.elf"
	fi
	if [ "$lv" = 31 ]; then
		"$KEPT_PFNS" -c 4099 -d 31 "$core" >"$tmp/cc-small.txt" 2>/dev/null
		t_check "$name -d 31: cycles of 4099 pfns keep the same set" \
			cmp -s "$tmp/cc.txt" "$tmp/cc-small.txt"
	fi
done
t_done
