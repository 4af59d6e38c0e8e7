#!/bin/sh
# /init of the crashlab guest initramfs (busybox sh).  The same initramfs boots
# both kernels:
#   first kernel   (no /proc/vmcore): load the crash kernel, run the workload,
#                  echo c > /proc/sysrq-trigger
#   capture kernel (/proc/vmcore):    mount the "out" disk, run the capture
#                  command (default: cp /proc/vmcore), power off
# Settings come from /etc/crashlab.conf, written by scripts/crashlab.
# Lines starting with "CRASHLAB " on the console are read by the host.

/bin/busybox mkdir -p /proc /sys /dev /tmp /out /data /tmpfs /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /etc/crashlab.conf

say() { echo "CRASHLAB $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
die() {
	say "error $*"
	poweroff -f
	reboot -f
	sleep 1000000
}

for m in $CL_MODULES; do
	insmod "/lib/modules/$m.ko" 2>/dev/null || [ -d "/sys/module/$m" ] ||
		say "warning insmod $m failed"
done

# find a virtio disk by its QEMU serial= (order of /dev/vd* is not guaranteed)
find_disk() {
	i=0
	while [ $i -lt 100 ]; do
		for d in /sys/block/vd*; do
			[ -e "$d/serial" ] || continue
			if [ "$(cat "$d/serial")" = "$1" ]; then
				echo "/dev/${d##*/}"
				return 0
			fi
		done
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

OUTDEV=$(find_disk crashlab-out) || die "no out disk"
export CL_KERNEL=/out/boot/vmlinuz CL_INITRD=/out/boot/initrd CL_OUT=/out/dump
export CL_CAPTURE_CMDLINE
for n in $CL_DISKS; do
	d=$(find_disk "crashlab-$n") || die "no disk $n"
	eval "export CL_DISK_$n=$d"
done
ip link set lo up 2>/dev/null
if [ "${CL_NET:-0}" = 1 ]; then
	# QEMU user-mode network: this machine's loopback answers at 10.0.2.2
	ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 &&
		ip route add default via 10.0.2.2 || die "network set-up failed"
	export CL_HOST=10.0.2.2
fi

if [ -e /proc/vmcore ]; then
	# ---------------- capture kernel ----------------
	say "capture-kernel osrelease=$(uname -r) vmcore_size=$(stat -c %s /proc/vmcore)"
	if [ "${CL_CAPTURE_EXEC:-0}" = 1 ]; then
		# the capture command becomes init (PID 1) and ends the guest
		say "capture-exec"
		exec sh -c "$CL_CAPTURE_CMD"
	fi
	mount -t ext4 "$OUTDEV" /out || die "mount out disk"
	mkdir -p "$CL_OUT"
	t0=$(uptime_s)
	if [ -n "$CL_CAPTURE_CMD" ]; then
		sh -c "$CL_CAPTURE_CMD"
	else
		cp /proc/vmcore "$CL_OUT/vmcore"
	fi
	rc=$?
	sync
	t1=$(uptime_s)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	printf 'rc=%s\nseconds=%s\n' "$rc" "$secs" > /out/capture-status
	sync
	umount /out
	say "capture-done rc=$rc seconds=$secs"
	poweroff -f
	reboot -f
	sleep 1000000
fi

# ---------------- first kernel ----------------
say "first-kernel osrelease=$(uname -r)"
mount -t ext4 -o ro "$OUTDEV" /out || die "mount out disk read-only"

if [ -n "$CL_LOAD_CMD" ]; then
	sh -c "$CL_LOAD_CMD" || die "load command failed: $CL_LOAD_CMD"
else
	# kexec_file_load first (what crashcap will use), classic kexec_load otherwise
	kexec -s -p "$CL_KERNEL" --initrd="$CL_INITRD" --append="$CL_CAPTURE_CMDLINE" ||
		kexec -p "$CL_KERNEL" --initrd="$CL_INITRD" --append="$CL_CAPTURE_CMDLINE" ||
		die "kexec -p failed"
fi
[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || die "no crash kernel loaded"
say "crash-kernel-loaded"

# fill FILE MB [sync]: non-zero data; busybox fallback where there is no
# workload binary (i386 guests)
fill() {
	if [ -x /bin/workload ]; then
		/bin/workload fill "$@"
	else
		dd if=/dev/urandom of="$1" bs=1M count="$2" 2>/dev/null &&
			if [ "$3" = sync ]; then fsync "$1" 2>/dev/null || sync; fi
	fi
}

# keep dirty page cache dirty until the crash
echo 95 > /proc/sys/vm/dirty_background_ratio
echo 95 > /proc/sys/vm/dirty_ratio
echo 0 > /proc/sys/vm/dirty_writeback_centisecs
echo 8640000 > /proc/sys/vm/dirty_expire_centisecs

if [ "${CL_PAGECACHE:-0}" -gt 0 ]; then
	DATADEV=$(find_disk crashlab-data) || die "no data disk"
	# stays mounted: its page cache lives until the panic
	mount -t ext4 "$DATADEV" /data || die "mount data disk"
	fill /data/clean $((CL_PAGECACHE / 2)) sync || die "pagecache clean"
	fill /data/dirty $((CL_PAGECACHE - CL_PAGECACHE / 2)) || die "pagecache dirty"
fi
if [ "${CL_TMPFS:-0}" -gt 0 ]; then
	mount -t tmpfs -o size=$((CL_TMPFS + 16))m tmpfs /tmpfs
	fill /tmpfs/fill "$CL_TMPFS" || die "tmpfs fill"
fi
if [ "${CL_HUGE_POOL:-0}" -gt 0 ]; then
	echo "$CL_HUGE_POOL" > /proc/sys/vm/nr_hugepages
fi
if [ -x /bin/workload ]; then
	/bin/workload hold /tmp/ready "${CL_ANON:-0}" "${CL_ZERO:-0}" "${CL_THP:-0}" \
		"${CL_HUGE_USE:-0}" &
	wl=$!
	while [ ! -e /tmp/ready ]; do
		kill -0 $wl 2>/dev/null || die "workload hold failed"
		sleep 0.2
	done
fi
if [ -n "$CL_PRE_CRASH_CMD" ]; then
	sh -c "$CL_PRE_CRASH_CMD" || die "pre-crash command failed"
fi
sed 's/^/CRASHLAB meminfo /' /proc/meminfo
say "crashing uptime=$(uptime_s)"
echo c > /proc/sysrq-trigger
sleep 30
die "still alive after sysrq-c"
