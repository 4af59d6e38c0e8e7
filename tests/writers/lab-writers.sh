#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab test of the dump writers (owner: writers, issue 5), on a real vmcore:
#   lab-writers.sh CRASHCAP NAME [full|quick]
# Every output (each compressor, -E, -F reassembled, -d 0/1/31) must pass
# crashcap verify, read back in libkdumpfile with the source's bytes, open in
# drgn (crashed thread + stack through panic) and in crash (sys, bt, log),
# give makedumpfile --dump-dmesg's log unchanged and be re-filtered by
# makedumpfile -d 31. Plus: byte-identical to makedumpfile with --pfn-order
# (6.1 guests), --num-threads 1 == 4, and incomplete dumps on a full tmpfs.
. "$(dirname "$0")/../lab/lib.sh"

CC=$1
NAME=${2:-g1g}
MODE=${3:-full}
lab_skip_unless_possible
command -v makedumpfile >/dev/null || lab_skip "makedumpfile is not installed"
/usr/bin/python3 -c 'import kdumpfile, drgn' 2>/dev/null || lab_skip "python3-libkdumpfile / python3-drgn missing"

core=$(lab_vmcore "$NAME") || t_bail "no vmcore $NAME"
vmlinux=$(lab_dbg) || t_bail "no debug vmlinux"
rel=$(lab_meta "$NAME" osrelease)
CHK="/usr/bin/python3 $(dirname "$0")/lab_check.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/crashcap-labw.XXXXXX")
trap 'rm -rf "$W"' EXIT
t_diag "vmcore $core ($rel), work dir $W"

makedumpfile --dump-dmesg "$core" "$W/src.dmesg" >/dev/null 2>&1
t_ok $? "makedumpfile --dump-dmesg reads the source"
present=$($CHK pages "$core" "$core" | sed -n 's/^pages=\([0-9]*\) .*/\1/p')
# which methods this makedumpfile can read (Debian's 1.7.2: no zstd, no snappy)
mdf_methods=$(makedumpfile -v 2>&1 | awk '$2 == "enabled" { print $1 }' | tr '\n' ' ')
t_diag "makedumpfile reads: zlib $mdf_methods"

crash_check() { # FILE WHAT [warn|warn-only]
	printf 'sys\nbt\nlog\nquit\n' >"$W/crash.cmd"
	timeout 300 crash -s -i "$W/crash.cmd" "$vmlinux" "$1" >"$W/crash.out" 2>&1
	if [ "$3" != warn-only ]; then
		grep -q 'PANIC:' "$W/crash.out" && grep -q ' panic at ' "$W/crash.out" &&
			grep -q 'Linux version' "$W/crash.out"
		r=$?
		[ $r = 0 ] || sed -n '1,15p' "$W/crash.out" | sed 's/^/# crash: /'
		t_ok $r "$2: crash -s: sys shows the panic, bt goes through panic(), log has the boot banner"
	fi
	if [ -n "$3" ]; then
		grep -qi 'incomplete\|truncated' "$W/crash.out"
		t_ok $? "$2: crash warns that the dump is incomplete"
	fi
}

check_output() { # FILE WHAT KIND(kdump|elf) [quick]
	f=$1; what=$2
	"$CC" verify "$f" >"$W/verify.out" 2>&1
	t_ok $? "$what: crashcap verify: $(cat "$W/verify.out" | head -c 300)"
	out=$($CHK pages "$core" "$f" 2>&1)
	r=$?
	t_ok $r "$what: libkdumpfile reads the source's bytes for every page ($out)"
	out=$($CHK drgn "$f" "$vmlinux" 2>&1 | tail -n 1)
	t_ok $? "$what: drgn: $out"
	case "$what" in
	*-z*) m=zstd ;; *-p*) m=snappy ;; *) m= ;;
	esac
	if [ -n "$m" ] && ! echo " $mdf_methods " | grep -q " $m "; then
		t_diag "$what: this makedumpfile is built without $m: dmesg/re-filter checks skipped"
		[ "$4" = quick ] || crash_check "$f" "$what"
		return
	fi
	makedumpfile --dump-dmesg "$f" "$W/out.dmesg" >/dev/null 2>&1 &&
		cmp -s "$W/src.dmesg" "$W/out.dmesg"
	t_ok $? "$what: makedumpfile --dump-dmesg gives the source's log"
	rm -f "$W/out.dmesg" "$W/refilt"
	if [ "$3" = elf ]; then
		makedumpfile -E -d 31 "$f" "$W/refilt" >/dev/null 2>&1
	else
		makedumpfile -l -d 31 "$f" "$W/refilt" >/dev/null 2>&1
	fi
	r=$?
	[ $r = 0 ] && { "$CC" verify -q "$W/refilt"; r=$?; }
	t_ok $r "$what: makedumpfile -d 31 re-filters it (and the result verifies)"
	rm -f "$W/refilt"
	[ "$4" = quick ] || crash_check "$f" "$what"
}

# --- each format / compressor / level -------------------------------------
if [ "$MODE" = full ]; then
	variants="-l_-d_31 -c_-d_31 -z_-d_31 -p_-d_31 -E_-d_31 -d_0 -l_-d_1 -E_-d_1"
else
	variants="-l_-d_31 -z_-d_31 -E_-d_31"
fi
for v in $variants; do
	opts=$(echo "$v" | tr _ ' ')
	kind=kdump
	case $opts in -E*) kind=elf ;; esac
	rm -f "$W/o"
	# shellcheck disable=SC2086
	"$CC" save --message-level 1 $opts "$core" "$W/o"
	t_ok $? "save $opts"
	check_output "$W/o" "save $opts" $kind
	if [ "$opts" = "-d 0" ] && [ -n "$present" ]; then
		out=$($CHK pages "$core" "$W/o" --expect "$present" 2>&1)
		t_ok $? "save -d 0 keeps all $present present pages ($out)"
	fi
done

# --- flattened, reassembled -------------------------------------------------
for v in -l_-d_31 -E_-d_31; do
	opts=$(echo "$v" | tr _ ' ')
	kind=kdump
	case $opts in -E*) kind=elf ;; esac
	rm -f "$W/o" "$W/r"
	# shellcheck disable=SC2086
	"$CC" save --message-level 1 -F $opts "$core" | "$CC" reassemble "$W/r"
	t_ok $? "save -F $opts | crashcap reassemble"
	# shellcheck disable=SC2086
	"$CC" save --message-level 1 $opts "$core" "$W/o"
	cmp -s "$W/o" "$W/r"
	t_ok $? "save -F $opts reassembled equals save $opts"
	rm -f "$W/r"
	# shellcheck disable=SC2086
	"$CC" save --message-level 1 -F $opts "$core" >"$W/flat"
	makedumpfile -R "$W/r" <"$W/flat" >/dev/null 2>&1 && cmp -s "$W/o" "$W/r"
	t_ok $? "save -F $opts: makedumpfile -R reassembles the same file"
	[ "$MODE" = full ] && check_output "$W/r" "save -F $opts (reassembled)" $kind quick
	rm -f "$W/flat" "$W/r"
done

# --- split ---------------------------------------------------------------------
if [ "$MODE" = full ]; then
	rm -f "$W/s1" "$W/s2" "$W/s3"
	"$CC" save --message-level 1 --split -l -d 31 "$core" "$W/s1" "$W/s2" "$W/s3" &&
		"$CC" verify -q "$W/s1" && "$CC" verify -q "$W/s2" && "$CC" verify -q "$W/s3"
	t_ok $? "--split -l -d 31 into three files, each verifies"
	printf 'sys\nbt\nlog\nquit\n' >"$W/crash.cmd"
	timeout 300 crash -s -i "$W/crash.cmd" "$vmlinux" "$W/s1" "$W/s2" "$W/s3" >"$W/crash.out" 2>&1
	grep -q 'PANIC:' "$W/crash.out" && grep -q ' panic at ' "$W/crash.out" &&
		grep -q 'Linux version' "$W/crash.out"
	t_ok $? "--split: crash opens the three files together (sys, bt, log)"
	rm -f "$W/s1" "$W/s2" "$W/s3"
fi

# --- threads ------------------------------------------------------------------
rm -f "$W/t1" "$W/t4"
"$CC" save --message-level 1 --num-threads 1 -z -d 1 "$core" "$W/t1" &&
	"$CC" save --message-level 1 --num-threads 4 -z -d 1 "$core" "$W/t4" && cmp -s "$W/t1" "$W/t4"
t_ok $? "--num-threads 1 and 4 give the same bytes (-z -d 1)"
rm -f "$W/t1" "$W/t4"

# --- same bytes as makedumpfile (Debian's 1.7.2 agrees with us on 6.1) ----------
case $rel in
6.1.*)
	for v in -l_-d_31 -c_-d_1 -E_-d_31 -d_17; do
		opts=$(echo "$v" | tr _ ' ')
		rm -f "$W/o" "$W/m"
		# shellcheck disable=SC2086
		"$CC" save --message-level 1 --pfn-order $opts "$core" "$W/o"
		r1=$?
		# shellcheck disable=SC2086
		makedumpfile $opts "$core" "$W/m" >"$W/mdf.log" 2>&1
		r2=$?
		cmp "$W/o" "$W/m" >"$W/cmp.log" 2>&1
		r3=$?
		[ $r3 = 0 ] || t_diag "crashcap rc $r1, makedumpfile rc $r2 ($(tail -n 2 "$W/mdf.log" | tr '\n' ' ')), $(head -c 200 "$W/cmp.log")"
		t_ok $r3 "save --pfn-order $opts is byte-identical to makedumpfile $opts"
	done
	rm -f "$W/o" "$W/m"
	;;
*) t_diag "not a 6.1 guest: makedumpfile 1.7.2 is not a byte-exact reference here" ;;
esac

# --- incomplete dumps: a tmpfs too small, in a private mount namespace ----------
if unshare -m true 2>/dev/null; then
	mkdir -p "$W/mnt"
	for v in -l_-d_1_100 -E_-d_1_60; do
		opts=$(echo "$v" | cut -d_ -f1-3 | tr _ ' ')
		size=$(echo "$v" | cut -d_ -f4)
		kind=kdump
		case $opts in -E*) kind=elf ;; esac
		# shellcheck disable=SC2086
		unshare -m sh -c "mount -t tmpfs -o size=${size}m none '$W/mnt' &&
			'$CC' save --message-level 1 $opts '$core' '$W/mnt/o'; echo \$? >'$W/rc';
			cp '$W/mnt/o' '$W/inc'" 2>"$W/inc.err"
		rc=$(cat "$W/rc")
		t_ok "$([ "$rc" = 3 ] && echo 0 || echo 1)" "incomplete $opts on a ${size} MiB tmpfs: exit 3 (got $rc): $(head -c 300 "$W/inc.err")"
		"$CC" verify "$W/inc" >"$W/verify.out" 2>&1
		t_ok "$([ $? = 3 ] && echo 0 || echo 1)" "incomplete $opts: verify says sound but incomplete: $(head -c 300 "$W/verify.out")"
		if [ $kind = elf ]; then
			readelf -h "$W/inc" | grep -q 'Flags: *0x1$'
			t_ok $? "incomplete $opts: e_flags has DUMP_ELF_INCOMPLETE"
		else
			st=$(od -An -tu4 -j424 -N4 "$W/inc" | tr -d ' ')
			t_ok "$([ $((st & 8)) = 8 ] && echo 0 || echo 1)" "incomplete $opts: status 0x$(printf %x "$st") has DUMP_DH_COMPRESSED_INCOMPLETE"
		fi
		out=$($CHK pages "$core" "$W/inc" 2>&1)
		t_ok $? "incomplete $opts: libkdumpfile reads the written pages with the source's bytes ($out)"
		# crash needs the per-cpu areas at the top of RAM: an ELF cut short
		# (segments are in address order) only gets crash's warning
		if [ "$MODE" = full ]; then
			if [ $kind = elf ]; then
				crash_check "$W/inc" "incomplete $opts" warn-only
			else
				crash_check "$W/inc" "incomplete $opts" warn
			fi
		fi
		rm -f "$W/inc"
	done
else
	t_diag "unshare -m not permitted: incomplete-dump checks skipped"
fi

# --- filter failure: a VMCOREINFO without OFFSET(page.flags) -----------------------
if [ "$MODE" = full ]; then
	cp "$core" "$W/broken.elf" && chmod u+w "$W/broken.elf" &&
	/usr/bin/python3 - "$W/broken.elf" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    d = f.read(1 << 20)
    i = d.find(b"OFFSET(page.flags)=")
    assert i > 0
    f.seek(i)
    f.write(b"OFFSET(page.flagX)=")
PY
	rm -f "$W/u"
	"$CC" save -l -d 31 "$W/broken.elf" "$W/u" 2>"$W/u.err"
	rc=$?
	t_ok "$([ $rc = 4 ] && grep -q 'cannot filter pages' "$W/u.err" && echo 0 || echo 1)" "filter failure: exit 4 (got $rc) with the reason: $(head -c 200 "$W/u.err")"
	out=$($CHK pages "$core" "$W/u" --expect "$present" 2>&1)
	t_ok $? "filter failure: every present page kept, same bytes ($out)"
	"$CC" verify "$W/u" | grep -q 'dump level 1,'
	t_ok $? "filter failure: the header says dump level 1 (what was applied), not 31"
	crash_check "$W/u" "filter failure"
	rm -f "$W/broken.elf" "$W/u"
fi

# --- unknown options, existing output ---------------------------------------------
( "$CC" save -F -l -d 31 "$core" 2>"$W/err"; echo $? >"$W/rc" ) | head -c 1000000 >/dev/null
t_ok "$([ "$(cat "$W/rc")" = 3 ] && grep -q 'Broken pipe' "$W/err" && echo 0 || echo 1)" "save -F into a reader that goes away: exit 3 with a message ($(head -c 200 "$W/err"))"
"$CC" save --no-such-option "$core" "$W/x" 2>"$W/err"
t_ok "$([ $? = 2 ] && grep -q 'unknown option' "$W/err" && echo 0 || echo 1)" "unknown option: exit 2 with a clear message"
: >"$W/exists"
"$CC" save -l -d 31 "$core" "$W/exists" 2>"$W/err"
t_ok "$([ $? = 1 ] && grep -q 'already exists' "$W/err" && [ ! -s "$W/exists" ] && echo 0 || echo 1)" "existing output refused without -f"
"$CC" save --message-level 1 -f -l -d 31 "$core" "$W/exists"
t_ok $? "-f overwrites"
t_done
