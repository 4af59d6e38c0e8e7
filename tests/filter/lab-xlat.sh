#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab: crashcap's page-table walk and memory model read the same bytes as
# libkdumpfile (addrxlat) for the struct pages of 2000 random pfns and a few
# VMCOREINFO symbols.  usage: lab-xlat.sh VMCORE_NAME
. "$LAB_SRC/tests/lab/lib.sh"
name=${1:-g1g}
lab_skip_unless_possible
/usr/bin/python3 -c 'import kdumpfile' 2>/dev/null || lab_skip "python3-libkdumpfile is not installed"
core=$LAB_VMCORES/$name.elf
[ -r "$core" ] || core=$(lab_vmcore "$name") || t_bail "capture of $name failed"
out=$(/usr/bin/python3 "$XLAT_CHECK" "$KM_READ" "$core" 2000 2>&1)
rc=$?
echo "$out" | tail -n 5 | sed 's/^/# /'
t_ok $rc "$name: struct pages and symbols read identically through libkdumpfile ($(echo "$out" | tail -n 1))"
t_done
