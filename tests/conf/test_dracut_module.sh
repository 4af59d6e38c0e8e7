#!/bin/bash
# The dracut module's decision whether the capture waits for the root fs
# (/sysroot): module-setup.sh is sourced with dracut's helpers stubbed, the
# configuration normalized by the real crashcap, and fake block devices
# (device nodes made with mknod) standing for the root disk and another one.
# usage: test_dracut_module.sh CRASHCAP MODULE_DIR
set -u
CC=$1
MOD=$2
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
if ! mknod "$T/rootdisk" b 7 250 2>/dev/null || ! mknod "$T/otherdisk" b 7 251 2>/dev/null; then
	echo "1..0 # SKIP needs root to make device nodes (mknod)"
	exit 0
fi

# dracut's environment and helpers, as far as install() uses them
export CRASHCAP_BIN=$CC CRASHCAP_CONF=$T/kdump.conf DRACUT_TMPDIR=$T/dracut
initdir=$T/initrd
moddir=$MOD
systemdsystemunitdir=/usr/lib/systemd/system
dracutbasedir=$T/nodracut
findmnt() { echo "$T/rootdisk"; }
blkid() {
	case "$*" in
		*LABEL=rootfs*) echo "$T/rootdisk" ;;
		*LABEL=dumps*) echo "$T/otherdisk" ;;
		*) return 2 ;;
	esac
}
inst_simple() { mkdir -p "$initdir$(dirname "${2:-$1}")"; cp "$1" "$initdir${2:-$1}"; }
inst_script() { inst_simple "$@"; }
inst_binary() { :; }
inst_multiple() { :; }
inst_dir() { :; }
inst_libdir_file() { :; }
inst_hook() { echo "hook $*" >> "$T/hooks"; }
ln_r() { :; }
derror() { echo "# derror: $*"; }
dracut_module_included() { [ "$1" = systemd ]; }
# shellcheck source=/dev/null
. "$MOD/module-setup.sh"

# conf, expected (root = waits for /sysroot, noroot = does not), what
check() {
	rm -rf "$T/dracut" "$initdir"
	mkdir -p "$T/dracut" "$initdir/etc"
	printf '%b' "$1" > "$T/kdump.conf"
	crashcap_needs_root; local got=$?
	install > "$T/install.log" 2>&1; local irc=$?
	[ $irc = 0 ] || sed "s/^/# /" "$T/install.log"
	local unit="$initdir$systemdsystemunitdir/crashcap-capture.service"
	local waits=1
	grep -q '^After=sysroot.mount initrd-root-fs.target$' "$unit" 2>/dev/null && waits=0
	if [ "$2" = root ]; then
		ok $([ $got = 0 ] && [ $irc = 0 ] && [ $waits = 0 ]; echo $?) "$3: waits for /sysroot"
	else
		ok $([ $got != 0 ] && [ $irc = 0 ] && [ $waits = 1 ] && [ -s "$unit" ] &&
			grep -q '^Before=initrd.target' "$unit"; echo $?) \
			"$3: starts without waiting for /sysroot (the rest of the unit kept)"
	fi
}

check 'path /var/crash\n' root "no target line (the root fs is the target)"
check 'ext4 LABEL=rootfs\npath /var/crash\n' root "ext4 on the root fs's own device"
check 'ext4 LABEL=dumps\npath /var/crash\n' noroot "ext4 on another disk"
check "raw $T/otherdisk\n" noroot "raw partition on another disk"
check "raw $T/rootdisk\n" root "raw on the root device itself"
check 'nfs 10.0.2.2:/export\npath /dumps\n' noroot "nfs"
check 'ssh root@10.0.2.2\npath /dumps\n' noroot "ssh"
check 'nfs 10.0.2.2:/export\nfailure_action dump_to_rootfs\n' root "nfs with failure_action dump_to_rootfs"
check 'ext4 LABEL=nowhere\n' root "a device not found while building (be safe)"
check "raw $T/otherdisk\next4 LABEL=rootfs\n" root "fallback chain that ends on the root fs"
check "raw $T/otherdisk\nnfs 10.0.2.2:/export\n" noroot "fallback chain without the root fs"
echo "1..$n"
[ $failed = 0 ]
