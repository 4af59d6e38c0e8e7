#!/bin/sh
# Lab test for libelfcore on real captured vmcores (6.1 cloud kernel):
#   - `crashcap info --json` agrees with `readelf -h -l -n`
#   - physical reads agree with libkdumpfile on 10,000 random pages, for the
#     ELF vmcore and for makedumpfile's kdump-compressed (-l -d 31) and
#     flattened (-c -d 1 -F, reassembled for libkdumpfile) outputs of it
#   - every page of those outputs equals the ELF source's page (all pages)
#   - ec_flat_reassemble output is byte-identical to `makedumpfile -R`
#   - ec_writer rewriting the vmcore reproduces it byte for byte (/proc/vmcore
#     layout) and matches `makedumpfile -E -d 0` byte for byte (packed layout)
# Usage: lab_elfcore.sh CRASHCAP ECREAD [VMCORE...]
# Without VMCORE: tests/lab/lib.sh's `lab_vmcore g1g` (and g2g), else
# ${CRASHCAP_CACHE:-~/.cache/crashcap}/vmcores/g1g.elf.
set -u
crashcap=$1
ecread=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab-elfcore.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
t() { # STATUS MESSAGE
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

cores="$*"
if [ -z "$cores" ] && [ -n "${EC_VMCORE:-}" ]; then
	cores=$EC_VMCORE
fi
if [ -z "$cores" ] && [ -f "$here/../lab/lib.sh" ]; then
	LAB_SRC=$(cd "$here/../.." && pwd)
	. "$here/../lab/lib.sh"
	# a lab that cannot run here still leaves the cached vmcores below usable
	( lab_skip_unless_possible ) >/dev/null 2>&1 &&
	for name in g1g g2g; do
		c=$(lab_vmcore "$name" 2>"$tmp/lab-$name.log") && [ -s "$c" ] && cores="$cores $c"
	done
fi
if [ -z "$cores" ]; then
	c=${CRASHCAP_CACHE:-$HOME/.cache/crashcap}/vmcores/g1g.elf
	[ -s "$c" ] || { echo "1..0 # SKIP no vmcore (no lab, no $c)"; exit 77; }
	cores=$c
fi
command -v readelf >/dev/null || { echo "1..0 # SKIP readelf missing"; exit 77; }
/usr/bin/python3 -c 'import kdumpfile' 2>/dev/null || { echo "1..0 # SKIP python3-libkdumpfile missing"; exit 77; }

sub() { # NAME COMMAND...: run a TAP-printing helper, count its result
	name=$1
	shift
	"$@" >"$tmp/sub.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/sub.out"
	t "$rc" "$name"
}

for core in $cores; do
	sub "$core: crashcap info --json agrees with readelf" \
		/usr/bin/python3 "$here/info_vs_readelf.py" "$crashcap" "$core"
	sub "$core: 10000 random pages agree with libkdumpfile (ELF)" \
		/usr/bin/python3 "$here/kdf_compare.py" "$ecread" "$core" 10000 1
done

core=$(echo $cores | cut -d' ' -f1)
"$ecread" copy "$core" "$tmp/copy.elf" && cmp -s "$core" "$tmp/copy.elf"
t $? "ec_writer (vmcore layout) reproduces $core byte for byte"
rm -f "$tmp/copy.elf"
if command -v makedumpfile >/dev/null; then
	if makedumpfile -E -d 0 "$core" "$tmp/e0.elf" >"$tmp/mdf0.log" 2>&1; then
		"$ecread" copy "$core" "$tmp/pk.elf" packed && cmp -s "$tmp/e0.elf" "$tmp/pk.elf"
		t $? "ec_writer (packed layout) is byte-identical to makedumpfile -E -d 0"
	else
		cat "$tmp/mdf0.log"
		t 1 "makedumpfile -E -d 0 ran"
	fi
	rm -f "$tmp/e0.elf" "$tmp/pk.elf"
	if makedumpfile -l -d 31 "$core" "$tmp/d31.kdump" >"$tmp/mdf1.log" 2>&1; then
		sub "makedumpfile -l -d 31: 10000 random pages agree with libkdumpfile (kdump-compressed)" \
			/usr/bin/python3 "$here/kdf_compare.py" "$ecread" "$tmp/d31.kdump" 10000 2
		sub "makedumpfile -l -d 31: every page it holds equals the ELF source's" \
			"$ecread" cmp "$tmp/d31.kdump" "$core"
		"$crashcap" info --json "$tmp/d31.kdump" >"$tmp/d31.json"
		t $? "crashcap info reads the kdump-compressed file"
		grep -q '"format": "kdump-compressed"' "$tmp/d31.json"
		t $? "info says kdump-compressed"
		rm -f "$tmp/d31.kdump"
	else
		cat "$tmp/mdf1.log"
		t 1 "makedumpfile -l -d 31 ran"
	fi
	if makedumpfile -c -d 1 -F "$core" >"$tmp/d1.flat" 2>"$tmp/mdf2.log" &&
		makedumpfile -R "$tmp/d1.mdf" <"$tmp/d1.flat" >"$tmp/mdf3.log" 2>&1; then
		"$ecread" reassemble "$tmp/d1.flat" "$tmp/d1.ec"
		t $? "ec_flat_reassemble on makedumpfile -F output"
		cmp -s "$tmp/d1.ec" "$tmp/d1.mdf"
		t $? "reassembled file is byte-identical to makedumpfile -R"
		rm -f "$tmp/d1.mdf"
		KDF_REF="$tmp/d1.ec" sub "flattened read in place: 10000 random pages agree with libkdumpfile" \
			/usr/bin/python3 "$here/kdf_compare.py" "$ecread" "$tmp/d1.flat" 10000 3
		sub "flattened -c -d 1: every page it holds equals the ELF source's" \
			"$ecread" cmp "$tmp/d1.flat" "$core"
	else
		cat "$tmp/mdf2.log" "$tmp/mdf3.log"
		t 1 "makedumpfile -c -d 1 -F and -R ran"
	fi
fi
echo "1..$n"
[ "$failed" = 0 ]
