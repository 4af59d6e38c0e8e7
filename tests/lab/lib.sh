# Shared helpers for the 'lab' test suite (POSIX sh).  Source it from a test:
#   . "$(dirname "$0")/lib.sh"
#   lab_skip_unless_possible
#   core=$(lab_vmcore g1g)            # cached, or captured now by scripts/crashlab
#   vmlinux=$(lab_dbg)                # debug vmlinux for crash/drgn
#   t_ok "$(test -s "$core"; echo $?)" "vmcore is not empty"
#   t_done
# Standard vmcores: g1g g2g g4g la57 (see `scripts/crashlab presets`).
# Cache: ${CRASHCAP_CACHE:-$HOME/.cache/crashcap}/vmcores/<name>.{elf,json,log}

LAB_SRC=${LAB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CRASHLAB=${CRASHLAB:-$LAB_SRC/scripts/crashlab}
export CRASHCAP_CACHE="${CRASHCAP_CACHE:-$HOME/.cache/crashcap}"
LAB_VMCORES=$CRASHCAP_CACHE/vmcores
_t_n=0
_t_failed=0

# t_ok STATUS MESSAGE: STATUS 0 is a pass (as in shell exit codes)
t_ok() {
	_t_n=$((_t_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_t_n - $2"
	else
		echo "not ok $_t_n - $2"
		_t_failed=$((_t_failed + 1))
	fi
}

# t_check MESSAGE COMMAND...: run COMMAND, pass when it exits 0
t_check() {
	_msg=$1
	shift
	if "$@"; then t_ok 0 "$_msg"; else t_ok 1 "$_msg"; fi
}

t_diag() { echo "# $*"; }

t_done() {
	echo "1..$_t_n"
	[ "$_t_failed" = 0 ]
	exit $?
}

# t_bail MESSAGE: a failure that stops the test (prints a plan so TAP stays valid)
t_bail() {
	t_ok 1 "$1"
	t_done
}

lab_skip() {
	echo "1..0 # SKIP $*"
	exit 77
}

# Skip (exit 77) only when the lab cannot run at all on this machine.
lab_skip_unless_possible() {
	for p in qemu-system-x86_64 python3 cpio gzip mkfs.ext4 debugfs readelf; do
		command -v "$p" >/dev/null 2>&1 || lab_skip "$p is not installed (scripts/bootstrap)"
	done
	[ -x /bin/busybox ] || command -v busybox >/dev/null 2>&1 || lab_skip "busybox-static missing"
	command -v kexec >/dev/null 2>&1 || [ -x /usr/sbin/kexec ] || [ -x /sbin/kexec ] ||
		lab_skip "kexec-tools missing"
	[ -x "$CRASHLAB" ] || lab_skip "$CRASHLAB not found"
	# the kernel must be cached or downloadable
	"$CRASHLAB" kernel >/dev/null 2>"${TMPDIR:-/tmp}/crashlab-kernel.$$" || {
		_e=$(tail -n 1 "${TMPDIR:-/tmp}/crashlab-kernel.$$")
		rm -f "${TMPDIR:-/tmp}/crashlab-kernel.$$"
		lab_skip "no guest kernel: $_e"
	}
	rm -f "${TMPDIR:-/tmp}/crashlab-kernel.$$"
}

# lab_vmcore NAME [crashlab capture options]: print the vmcore path, capturing
# it first when the cache has none for these options.  Progress goes to stderr.
lab_vmcore() {
	_name=$1
	shift
	"$CRASHLAB" capture --name "$_name" "$@"
}

# lab_dbg [NAME]: print the debug vmlinux of the lab kernel, or of the kernel
# that cached vmcore NAME was captured from (downloads ~280 MB once per kernel)
lab_dbg() {
	if [ $# -gt 0 ]; then
		"$CRASHLAB" dbg --for "$1"
	else
		"$CRASHLAB" dbg
	fi
}

# lab_meta NAME KEY: print one field of vmcores/NAME.json (dotted keys: workload.anon)
lab_meta() {
	python3 - "$LAB_VMCORES/$1.json" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v if v is not None else "")
PY
}
