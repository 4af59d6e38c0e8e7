#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab: `crashcap dmesg` equals `makedumpfile --dump-dmesg` byte for byte on a
# real vmcore (Debian's makedumpfile 1.7.2: no caller field), and
# --caller-id adds exactly one "[%8s] " field per record.
# usage: lab-dmesg.sh VMCORE_NAME
. "$LAB_SRC/tests/lab/lib.sh"
name=${1:-g1g}
lab_skip_unless_possible
command -v makedumpfile >/dev/null 2>&1 || lab_skip "makedumpfile is not installed"
# MAKEDUMPFILE=path of a makedumpfile >= 1.7.5 also checks --caller-id against it
# the cached capture when there is one (crashlab re-captures some presets
# on every call); otherwise capture it now
core=$LAB_VMCORES/$name.elf
[ -r "$core" ] || core=$(lab_vmcore "$name") || t_bail "capture of $name failed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
makedumpfile --dump-dmesg "$core" "$tmp/mdf.txt" >"$tmp/mdf.log" 2>&1 ||
	t_bail "makedumpfile --dump-dmesg failed: $(tail -n 2 "$tmp/mdf.log")"
"$CRASHCAP" dmesg -o "$tmp/cc.txt" "$core"
t_ok $? "$name: crashcap dmesg runs"
t_check "$name: log equals makedumpfile --dump-dmesg ($(wc -l <"$tmp/mdf.txt") lines)" \
	cmp -s "$tmp/mdf.txt" "$tmp/cc.txt"
# the same log from a kdump-compressed, -d 31 filtered copy
makedumpfile -l -d 31 "$core" "$tmp/d31.kdump" >/dev/null 2>&1 || t_bail "makedumpfile -l failed"
"$CRASHCAP" dmesg "$tmp/d31.kdump" >"$tmp/kd.txt"
t_ok $? "$name: crashcap dmesg reads a kdump-compressed -d 31 dump"
t_check "$name: same log from the kdump-compressed dump" cmp -s "$tmp/mdf.txt" "$tmp/kd.txt"
rm -f "$tmp/d31.kdump"
"$CRASHCAP" dmesg --caller-id "$core" >"$tmp/cid.txt"
t_ok $? "$name: crashcap dmesg --caller-id runs"
# removing the caller field gives the 1.7.2 text again (indentation shrinks by 11)
sed -E 's/^(\[ *[0-9]+\.[0-9]{6}\] )\[ *[TC][0-9]+\] /\1/; s/^           (           )/\1/' \
	"$tmp/cid.txt" >"$tmp/cid-stripped.txt"
t_check "$name: --caller-id differs only by the caller field" \
	cmp -s "$tmp/mdf.txt" "$tmp/cid-stripped.txt"
t_check "$name: --caller-id has a T/C field on every record line" \
	sh -c "! grep -E '^\[ *[0-9]+\.[0-9]{6}\] ' '$tmp/cid.txt' | grep -vqE '^\[ *[0-9]+\.[0-9]{6}\] \[ *[TC][0-9]+\] '"
if [ -n "$MAKEDUMPFILE" ] && [ -x "$MAKEDUMPFILE" ]; then
	"$MAKEDUMPFILE" --dump-dmesg "$core" "$tmp/new.txt" >/dev/null 2>&1 ||
		t_bail "$MAKEDUMPFILE --dump-dmesg failed"
	t_check "$name: --caller-id equals $("$MAKEDUMPFILE" -v 2>&1 | head -n 1)" \
		cmp -s "$tmp/new.txt" "$tmp/cid.txt"
fi
t_done
