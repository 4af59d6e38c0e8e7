#!/bin/sh
# kdumpctl reset-crashkernel on a fake root, the way the systemd lab guest
# uses it: /etc/default/grub gets crashkernel=, and a grub.d snippet that
# would override it (Debian's kdump-tools ships one) is named on stderr.
# usage: test_reset_crashkernel.sh KDUMPCTL
set -u
K=$1
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
R=$T/root
mkdir -p "$R/etc/default/grub.d"
export KDUMP_ROOT=$R KDUMP_GRUBBY=$T/no-grubby KDUMP_UPDATE_GRUB=$T/no-update-grub
printf 'GRUB_CMDLINE_LINUX_DEFAULT=""\nGRUB_CMDLINE_LINUX="console=ttyS0,115200 panic=1"\n' > "$R/etc/default/grub"
printf 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M"\n' > "$R/etc/default/grub.d/kdump-tools.cfg"
printf 'GRUB_TIMEOUT=1\n' > "$R/etc/default/grub.d/50-timeout.cfg"
printf 'crashkernel=1M\n' > "$R/etc/default/grub.d/README"

"$K" reset-crashkernel > "$T/out" 2> "$T/err"
ok $? "reset-crashkernel exits 0"
ok $(grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M"' "$R/etc/default/grub"; echo $?) \
	"empty GRUB_CMDLINE_LINUX_DEFAULT gets the default: $(grep DEFAULT= "$R/etc/default/grub")"
ok $(grep -q 'grub.d/kdump-tools.cfg also sets crashkernel=' "$T/err"; echo $?) "the overriding grub.d snippet is named"
ok $(grep -c 'also sets crashkernel=' "$T/err" | grep -qx 1; echo $?) "only .cfg files that set it (not 50-timeout.cfg, not README)"
# What grub-mkconfig would compute: the last crashkernel= is kdump-tools' -- the warning is true.
last=$(cd "$R/etc/default" && sh -c '. ./grub; for x in ./grub.d/*.cfg; do . "$x"; done; echo "$GRUB_CMDLINE_LINUX_DEFAULT"' | tr ' ' '\n' | grep '^crashkernel=' | tail -n1)
ok $([ "$last" = "crashkernel=384M-:128M" ]; echo $?) "sourced like grub: the snippet's value is last ($last)"
rm "$R/etc/default/grub.d/kdump-tools.cfg"
"$K" reset-crashkernel --size=256M > "$T/out" 2> "$T/err"
ok $(! grep -q 'also sets' "$T/err" && grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="crashkernel=256M"' "$R/etc/default/grub"; echo $?) \
	"no snippet: no warning, --size replaces the value"
last=$(cd "$R/etc/default" && sh -c '. ./grub; for x in ./grub.d/*.cfg; do . "$x"; done; echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"')
ok $([ "$last" = "console=ttyS0,115200 panic=1 crashkernel=256M" ]; echo $?) "GRUB_CMDLINE_LINUX untouched: $last"
echo "1..$n"
[ $failed = 0 ]
