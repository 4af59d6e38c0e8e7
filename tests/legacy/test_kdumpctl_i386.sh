#!/bin/sh
# kdumpctl on an i386 fake root (KDUMP_ARCH=i386): loads with crashcap's
# kexec_load loader (dry run: segments written to a directory), honours
# --elf32/--elf64-core-headers, falls back to kexec -p for other KEXEC_ARGS
# and for images it cannot load; stop unloads.
# usage: test_kdumpctl_i386.sh KDUMPCTL TEST_X86LOAD FIXTURE_ROOT
set -u
K=$1 X=$2 F=$3
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
R=$T/root
mkdir -p $R/etc/sysconfig $R/boot $R/lib/modules/6.1.0-i386 $T/bin $T/dracutmod $T/dry
cp -r "$F"/proc "$F"/sys $R/
chmod -R u+w $R
export KDUMP_ROOT=$R KDUMP_DRACUT=$T/bin/dracut KDUMP_KEXEC=$T/bin/kexec \
	KDUMP_CRASHCAP=$T/bin/crashcap KDUMP_DRACUT_MODDIR=$T/dracutmod \
	KDUMP_GRUBBY=$T/bin/no-grubby KDUMP_UPDATE_GRUB=$T/bin/update-grub KDUMP_SYSRQ=$T/sysrq \
	KDUMP_ARCH=i386 KDUMP_KLOAD_DRY_RUN=$T/dry
echo 'crashcap' > $T/bin/crashcap
echo 'module-setup' > $T/dracutmod/module-setup.sh
echo 'kernel/fs/ext4/ext4.ko:' > $R/lib/modules/6.1.0-i386/modules.dep
$X --mkbz $R/boot/vmlinuz-6.1.0-i386
echo 134217728 > $R/sys/kernel/kexec_crash_size
echo 0 > $R/sys/kernel/kexec_crash_loaded
echo 'BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro crashkernel=128M quiet console=ttyS0' > $R/proc/cmdline
printf 'KDUMP_KERNELVER="6.1.0-i386"\nKDUMP_COMMANDLINE_APPEND="panic=10"\n' > $R/etc/sysconfig/kdump
printf 'ext4 UUID=1234\n' > $R/etc/kdump.conf
cat > $T/bin/dracut <<EOF2
#!/bin/sh
for a; do prev2=\$prev; prev=\$a; done
echo initrd > "\$prev2"
EOF2
cat > $T/bin/kexec <<EOF2
#!/bin/sh
echo "\$*" >> $T/kexec.log
case "\$*" in *-u*) echo 0 > $R/sys/kernel/kexec_crash_loaded ;; *) echo 1 > $R/sys/kernel/kexec_crash_loaded ;; esac
EOF2
chmod +x $T/bin/*
cmdline() { tail -c +4097 $T/dry/seg-3.bin | tr -d '\0'; }

$K start > $T/out 2>&1; ok $? "start: $(grep loaded $T/out)"
ok "$([ ! -e $T/kexec.log ] && grep -q 'with kexec_load (dry run) (ELF32 elfcorehdr=' $T/out; echo $?)" \
	"i386 loads with our kexec_load loader, ELF32 header, not kexec-tools"
c=$(cmdline)
case "$c" in
"root=/dev/sda1 ro quiet console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 elfcorehdr="*K) r=0 ;;
*) r=1 ;;
esac
ok $r "capture command line in boot_params: '$c'"
hdr=$(sed -n 's/^corehdr 0x//p' $T/dry/segments.txt)
ok "$([ "${c##*elfcorehdr=}" = "$(( 0x$hdr / 1024 ))K" ]; echo $?)" "elfcorehdr= names the elfcorehdr segment (0x$hdr)"
ok "$(grep -q '^seg 5 initrd ' $T/dry/segments.txt; echo $?)" "the capture initrd is a segment"
$K status > /dev/null; ok $? "status: loaded"
$K stop > $T/out 2>&1; ok $? "stop"
$K status > /dev/null; ok "$([ $? = 3 ]; echo $?)" "status after stop: not loaded"
echo 'KEXEC_ARGS="--elf64-core-headers"' >> $R/etc/sysconfig/kdump
$K start > $T/out 2>&1
ok "$([ ! -e $T/kexec.log ] && grep -q '(ELF64' $T/out && [ "$(od -An -tu1 -j4 -N1 $T/dry/seg-2.bin | tr -d ' ')" = 2 ]; echo $?)" \
	"KEXEC_ARGS=--elf64-core-headers: ELF64 header, still our loader"
$K stop > /dev/null 2>&1
sed -i 's/^KEXEC_ARGS=.*/KEXEC_ARGS="-d"/' $R/etc/sysconfig/kdump
$K start > $T/out 2>&1
ok "$(grep -q '^-p -d --initrd=' $T/kexec.log; echo $?)" "KEXEC_ARGS=-d needs kexec-tools: $(cat $T/kexec.log 2>/dev/null)"
$K stop > /dev/null 2>&1
rm -f $T/kexec.log
sed -i 's/^KEXEC_ARGS=.*/KEXEC_ARGS=""/' $R/etc/sysconfig/kdump
echo 'not a bzImage' > $R/boot/vmlinuz-6.1.0-i386
$K start > $T/out 2>&1
ok "$([ $? = 0 ] && grep -q '^-p --initrd=' $T/kexec.log; echo $?)" "an image our loader cannot load goes to kexec -p"
echo "1..$n"
[ $failed = 0 ]
