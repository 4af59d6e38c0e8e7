#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab: `crashcap save -E -d 31` of a real vmcore is byte-identical to
# `makedumpfile -E -d 31` (same kept pages, same layout), and crash with the
# debug vmlinux runs bt, ps, log and kmem -i on it.  usage: lab-crash.sh NAME
. "$LAB_SRC/tests/lab/lib.sh"
name=${1:-g1g}
lab_skip_unless_possible
command -v makedumpfile >/dev/null 2>&1 || lab_skip "makedumpfile is not installed"
command -v crash >/dev/null 2>&1 || lab_skip "crash is not installed"
# the cached capture when there is one (crashlab re-captures some presets
# on every call); otherwise capture it now
core=$LAB_VMCORES/$name.elf
[ -r "$core" ] || core=$(lab_vmcore "$name") || t_bail "capture of $name failed"
vmlinux=$(lab_dbg) || t_bail "no debug vmlinux"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CRASHCAP" save -E -d 31 "$core" "$tmp/cc.elf" >"$tmp/cc.log" 2>&1
t_ok $? "$name: crashcap save -E -d 31 ($(tail -n 1 "$tmp/cc.log"))"
makedumpfile -E -d 31 "$core" "$tmp/mdf.elf" >/dev/null 2>&1 || t_bail "makedumpfile -E failed"
t_check "$name: identical to makedumpfile -E -d 31 ($(stat -c %s "$tmp/mdf.elf") bytes)" \
	cmp -s "$tmp/cc.elf" "$tmp/mdf.elf"
rm -f "$tmp/mdf.elf"
printf 'bt\nps\nlog\nkmem -i\nquit\n' >"$tmp/cmds"
timeout 600 crash -s "$vmlinux" "$tmp/cc.elf" <"$tmp/cmds" >"$tmp/crash.out" 2>&1
t_ok $? "$name: crash opens the -d 31 ELF and runs bt, ps, log, kmem -i"
t_check "$name: crash bt shows the panic path" grep -q 'sysrq_handle_crash' "$tmp/crash.out"
t_check "$name: crash ps lists init" grep -qE '^>? +1 +0 .* init$' "$tmp/crash.out"
t_check "$name: crash log has the kernel command line" grep -q 'Kernel command line' "$tmp/crash.out"
t_check "$name: crash kmem -i reports memory" grep -q 'TOTAL MEM' "$tmp/crash.out"
t_done
