#!/bin/busybox sh
# shellcheck shell=dash
# /init of the i386lab guest (busybox sh, i386). The same initramfs boots both:
#   first kernel   (no /proc/vmcore): load the crash kernel with kexec-tools
#                  (LOADER=kexec) or crashcap-kload (LOADER=kload), record what
#                  the loaders saw and the low 640 KiB (via /proc/kcore) to the
#                  "pre" disk, then panic with sysrq-c
#   capture kernel (/proc/vmcore): save /proc/vmcore, the elfcorehdr the
#                  kernel got (elfcorehdr=, read through /dev/mem), the backup
#                  region and the capture kernel's own low memory to "out"
# Both disks are raw tar streams (busybox tar), read back by scripts/lab/i386lab.
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# shellcheck source=/dev/null
. /etc/i386lab.conf
say() { echo "I386LAB $*"; }
die() { say "error $*"; poweroff -f; sleep 1000; }
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
	insmod /lib/modules/$m.ko 2>/dev/null || [ -d /sys/module/$m ] || say "warning insmod $m failed"
done
find_disk() {
	i=0
	while [ $i -lt 100 ]; do
		for d in /sys/block/vd*; do
			[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
		done
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
BOOT=$(find_disk i386lab-boot) || die "no boot disk"
PRE=$(find_disk i386lab-pre) || die "no pre disk"
OUT=$(find_disk i386lab-out) || die "no out disk"

if [ -e /proc/vmcore ]; then
	say "capture-kernel osrelease=$(uname -r) vmcore_size=$(stat -c %s /proc/vmcore)"
	mkdir -p /tmp/out /tmp/pre
	cd /tmp/out || die "cd"
	tar xf "$PRE" -C /tmp || die "read pre disk"
	cat /proc/cmdline > cmdline
	cat /proc/iomem > iomem
	hdrk=$(sed -n 's/.*elfcorehdr=\([0-9]*\)K.*/\1/p' /proc/cmdline)
	dd if=/dev/mem of=elfcorehdr.bin bs=1024 skip="$hdrk" count=16 2> dd-hdr.log
	read -r bdst LOW_START LOW_SIZE < /tmp/pre/backup
	bsize=$LOW_SIZE
	LOW_VA=$((0xc0000000 + LOW_START))
	dd if=/dev/mem of=backup.bin bs=1024 skip=$((bdst / 1024)) count=$((bsize / 1024)) 2> dd-backup.log
	/bin/i386probe kcore "$LOW_VA" "$LOW_SIZE" > capture-lowmem.bin 2> probe.log
	{ ls -l /dev/oldmem; grep -w oldmem /proc/devices; } > oldmem.txt 2>&1
	if [ -x /sbin/makedumpfile ]; then
		# the reference filter (Debian's i386 makedumpfile) on the same memory
		t=$(cut -d' ' -f1 /proc/uptime)
		makedumpfile -l -d 31 /proc/vmcore mdf-l31.kdump > mdf.log 2>&1
		echo "rc=$? t0=$t t1=$(cut -d' ' -f1 /proc/uptime)" >> mdf.log
	fi
	say "capture: saving vmcore"
	t0=$(cut -d' ' -f1 /proc/uptime)
	tar cf - -C / proc/vmcore tmp/out | dd of="$OUT" bs=1M conv=fsync 2>/dev/null || say "error tar vmcore"
	sync
	say "capture-done t0=$t0 t1=$(cut -d' ' -f1 /proc/uptime)"
	poweroff -f
	sleep 1000
fi

say "first-kernel osrelease=$(uname -r)"
mkdir -p /tmp/boot /tmp/pre
tar xf "$BOOT" -C /tmp/boot || die "read boot disk"
cd /tmp/pre || die "cd"
cat /proc/iomem > iomem
cat /proc/cmdline > cmdline
cat /sys/kernel/vmcoreinfo > vmcoreinfo
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	n=${c##*/}
	mkdir -p "cpu/$n"
	cat "$c/crash_notes" > "cpu/$n/crash_notes" 2>/dev/null
	cat "$c/crash_notes_size" > "cpu/$n/crash_notes_size" 2>/dev/null
done
cat /sys/kernel/kexec_crash_size > kexec_crash_size
# the low RAM range kexec-tools backs up: the first System RAM ending below 640 KiB
line=$(grep -m1 ' : System RAM$' /proc/iomem)
s=${line%%-*}; e=${line#*-}; e=${e%% *}
LOW_START=$((0x$s)); LOW_SIZE=$((0x$e - 0x$s + 1)); LOW_VA=$((0xc0000000 + LOW_START))
if [ "$LOADER" = kload ]; then
	crashcap-kload load --dry-run /tmp/pre --initrd=/tmp/boot/initrd.gz \
		--command-line="$CAPTURE_APPEND" /tmp/boot/vmlinuz > kload-dry.log 2>&1 || say "error kload dry run"
	crashcap-kload load --initrd=/tmp/boot/initrd.gz --command-line="$CAPTURE_APPEND" \
		/tmp/boot/vmlinuz > kload.log 2>&1 || { cat kload.log; die "crashcap-kload load failed"; }
	cat kload.log
	bdst=$(sed -n 's/.* -> 0x\([0-9a-f]*\)$/\1/p' kload.log)
else
	kexec -d -p /tmp/boot/vmlinuz --initrd=/tmp/boot/initrd.gz --append="$CAPTURE_APPEND" \
		> kexec-debug.log 2>&1 || { tail -20 kexec-debug.log; die "kexec -p failed"; }
	bdst=$(sed -n 's/^Created backup segment at 0x\([0-9a-f]*\)$/\1/p' kexec-debug.log)
fi
[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || die "no crash kernel loaded"
[ -n "$bdst" ] || die "no backup address found"
echo "$((0x$bdst)) $LOW_START $LOW_SIZE" > backup
crashcap-kload corehdr --backup-at "0x$bdst" -o our-corehdr.bin 2> corehdr.log || say "error corehdr"
say "crash-kernel-loaded loader=$LOADER backup=0x$bdst"
if [ "${WORKLOAD:-0}" = 1 ]; then
	# pages -d 31 must drop: shmem (tmpfs) and anonymous user memory
	if ! { mkdir -p /tmpfs && mount -t tmpfs -o size=48m tmpfs /tmpfs &&
		dd if=/dev/urandom of=/tmpfs/fill bs=1M count=32 2>/dev/null; }; then
		say "error tmpfs fill"
	fi
	# 16 MiB of anonymous memory: an awk string that stays allocated
	awk 'BEGIN { s = sprintf("%16777216s", ""); gsub(/ /, "x", s); print "" > "/tmp/anon-ready";
		close("/tmp/anon-ready"); system("sleep 100000"); print length(s) }' &
	i=0
	while [ ! -e /tmp/anon-ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	say "workload ready $(grep -E '^(Shmem|AnonPages|HighTotal):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
fi
/bin/i386probe kcore "$LOW_VA" "$LOW_SIZE" > lowmem.bin || die "kcore snapshot"
if ! { tar cf /tmp/pre.tar -C /tmp pre && dd if=/tmp/pre.tar of="$PRE" bs=64k conv=fsync 2>/dev/null; }; then
	die "write pre disk"
fi
sync
say "crashing uptime=$(cut -d' ' -f1 /proc/uptime)"
echo c > /proc/sysrq-trigger
sleep 30
die "still alive after sysrq-c"
