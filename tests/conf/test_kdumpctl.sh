#!/bin/sh
# kdumpctl on a fake root: rebuild only when the inputs' content hash changes,
# load through kexec -p (fake), status codes, reset-crashkernel, estimate, test.
# usage: test_kdumpctl.sh KDUMPCTL
set -u
K=$1
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
R=$T/root
mkdir -p $R/etc/sysconfig $R/boot $R/sys/kernel $R/proc $R/etc/default $R/lib/modules/6.1.0-test \
	$T/bin $T/dracutmod
export KDUMP_ROOT=$R KDUMP_DRACUT=$T/bin/dracut KDUMP_KEXEC=$T/bin/kexec \
	KDUMP_CRASHCAP=$T/bin/crashcap KDUMP_DRACUT_MODDIR=$T/dracutmod \
	KDUMP_GRUBBY=$T/bin/no-grubby KDUMP_UPDATE_GRUB=$T/bin/update-grub KDUMP_SYSRQ=$T/sysrq
echo 'crashcap binary v1' > $T/bin/crashcap
echo 'module-setup v1' > $T/dracutmod/module-setup.sh
echo 'kernel/fs/ext4/ext4.ko:' > $R/lib/modules/6.1.0-test/modules.dep
echo 'not really a bzImage' > $R/boot/vmlinuz-6.1.0-test
echo 268435456 > $R/sys/kernel/kexec_crash_size
echo 0 > $R/sys/kernel/kexec_crash_loaded
echo 'BOOT_IMAGE=/boot/vmlinuz root=/dev/vda ro crashkernel=256M quiet console=ttyS0' > $R/proc/cmdline
printf '00001000-0009fbff : System RAM\n00100000-3fffffff : System RAM\n  30000000-3fffffff : Crash kernel\n' > $R/proc/iomem
cat > $R/etc/sysconfig/kdump <<'S'
KDUMP_KERNELVER="6.1.0-test"
KDUMP_COMMANDLINE_REMOVE="quiet"
KDUMP_COMMANDLINE_APPEND="panic=10"
KEXEC_ARGS="-c"
S
printf 'ext4 UUID=1234\ncore_collector makedumpfile -l -d 31\n' > $R/etc/kdump.conf
cat > $T/bin/dracut <<EOF2
#!/bin/sh
echo "\$*" >> $T/dracut.log
echo "\$CRASHCAP_CONF \$CRASHCAP_BIN" > $T/dracut.env
for a; do prev2=\$prev; prev=\$a; done
echo initrd > "\$prev2"
EOF2
cat > $T/bin/kexec <<EOF2
#!/bin/sh
echo "\$*" >> $T/kexec.log
case "\$*" in *-u*) echo 0 > $R/sys/kernel/kexec_crash_loaded ;; *) echo 1 > $R/sys/kernel/kexec_crash_loaded ;; esac
EOF2
cat > $T/bin/update-grub <<EOF2
#!/bin/sh
echo ran > $T/update-grub.log
EOF2
chmod +x $T/bin/*
builds() { [ -f $T/dracut.log ] && wc -l < $T/dracut.log || echo 0; }

$K start > $T/out 2>&1; ok $? "first start succeeds"
ok $([ "$(builds)" = 1 ]; echo $?) "first start builds the initrd once"
ok $([ -f $R/var/lib/kdump/initrd-6.1.0-test-crashcap.img ] && [ -f $R/var/lib/kdump/initrd-6.1.0-test.hash ]; echo $?) \
	"initrd and its hash file are in /var/lib/kdump"
grep -q -- '--force --hostonly --hostonly-mode strict --no-hostonly-cmdline -a crashcap --add-drivers ext4 --omit plymouth resume /.*/initrd-6.1.0-test-crashcap.img 6.1.0-test$' $T/dracut.log
ok $? "dracut invocation: $(head -1 $T/dracut.log)"
ok $([ "$(cat $T/dracut.env)" = "$R/etc/kdump.conf $T/bin/crashcap" ]; echo $?) \
	"dracut gets CRASHCAP_CONF and CRASHCAP_BIN for the crashcap module: $(cat $T/dracut.env)"
grep -q -- '-p -c --initrd=.*initrd-6.1.0-test-crashcap.img --command-line=root=/dev/vda ro console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 .*vmlinuz-6.1.0-test' $T/kexec.log
ok $? "KEXEC_ARGS=-c loads with kexec -p and the capture command line: $(cat $T/kexec.log)"
$K status > $T/out; ok $? "status exits 0 when loaded ($(cat $T/out))"
$K start > $T/out 2>&1; ok $([ $? = 0 ] && grep -q 'already loaded' $T/out; echo $?) "start while loaded: nothing to do"
$K stop > $T/out 2>&1; ok $? "stop"
$K status > $T/out; ok $([ $? = 3 ]; echo $?) "status exits 3 when not loaded"
$K start > $T/out 2>&1
ok $([ "$(builds)" = 1 ] && grep -q 'up to date' $T/out; echo $?) "second start rebuilds nothing"
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 1 ]; echo $?) "restart rebuilds nothing"
echo '# only a comment' >> $R/etc/kdump.conf
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 1 ]; echo $?) "a comment-only edit of kdump.conf rebuilds nothing"
echo 'path /dumps' >> $R/etc/kdump.conf
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 2 ] && grep -q 'changed: kdump.conf)' $T/out; echo $?) "changing kdump.conf rebuilds once: $(grep building $T/out)"
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 2 ]; echo $?) "...and only once"
echo 'module-setup v2' > $T/dracutmod/module-setup.sh
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 3 ] && grep -q 'changed: dracut-module)' $T/out; echo $?) "a changed dracut module rebuilds"
echo 'crashcap binary v2' > $T/bin/crashcap
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 4 ] && grep -q 'changed: crashcap)' $T/out; echo $?) "a changed crashcap binary rebuilds"
echo 'new kernel build' > $R/boot/vmlinuz-6.1.0-test
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 5 ] && grep -q 'changed: kernel)' $T/out; echo $?) "a changed kernel image rebuilds"
touch $R/etc/kdump.conf $T/bin/crashcap
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 5 ]; echo $?) "mtimes alone change nothing"
$K rebuild > $T/out 2>&1
ok $([ "$(builds)" = 6 ]; echo $?) "rebuild always builds"
echo 'force_no_rebuild 1' >> $R/etc/kdump.conf
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 6 ] && grep -q force_no_rebuild $T/out; echo $?) "force_no_rebuild keeps the initrd"
sed -i 's/force_no_rebuild 1/force_rebuild 1/' $R/etc/kdump.conf
$K restart > $T/out 2>&1
ok $([ "$(builds)" = 7 ]; echo $?) "force_rebuild builds every time"
sed -i '/force_rebuild/d' $R/etc/kdump.conf

# A failed dracut must not leave a current-looking hash.
mv $T/bin/dracut $T/bin/dracut.ok; printf '#!/bin/sh\nexit 1\n' > $T/bin/dracut; chmod +x $T/bin/dracut
echo 'extra_modules foo' >> $R/etc/kdump.conf
$K restart > $T/out 2>&1; rc=$?
ok $([ $rc = 1 ] && [ ! -f $R/var/lib/kdump/initrd-6.1.0-test.hash ]; echo $?) "dracut failure: exit 1, hash removed"
mv $T/bin/dracut.ok $T/bin/dracut
$K start > $T/out 2>&1
ok $([ "$(builds)" = 8 ]; echo $?) "next start builds again"

echo 'bogus directive' >> $R/etc/kdump.conf
$K start > $T/out 2>&1; rc=$?
ok $([ $rc = 1 ] && grep -q "kdump.conf:6: unknown directive 'bogus'" $T/out; echo $?) "config error names file and line: $(cat $T/out)"
sed -i '/bogus/d' $R/etc/kdump.conf

$K stop >/dev/null 2>&1
echo 0 > $R/sys/kernel/kexec_crash_size
$K start > $T/out 2>&1; rc=$?
ok $([ $rc = 1 ] && grep -q 'no memory is reserved' $T/out; echo $?) "no reservation: clear error"
echo 268435456 > $R/sys/kernel/kexec_crash_size

$K showmem > $T/out 2>&1
ok $(grep -q 'Reserved 256MB' $T/out; echo $?) "showmem: $(head -1 $T/out)"
$K estimate > $T/out 2>&1
ok $(grep -q 'Recommended reservation: crashkernel=' $T/out && grep -q 'filter bitmaps' $T/out && grep -q 'Current reservation: 256 MiB' $T/out; echo $?) \
	"estimate prints its reasoning: $(grep Recommended $T/out)"

# reset-crashkernel: /etc/default/grub + update-grub, then grubby, then neither.
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet crashkernel=128M splash"\nGRUB_CMDLINE_LINUX=""\n' > $R/etc/default/grub
$K reset-crashkernel > $T/out 2>&1
ok $(grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M"' $R/etc/default/grub && [ -f $T/update-grub.log ]; echo $?) \
	"grub default edited and update-grub run: $(grep LINUX_DEFAULT= $R/etc/default/grub)"
ok $(grep -qx 'GRUB_CMDLINE_LINUX=""' $R/etc/default/grub && grep -qx 'GRUB_DEFAULT=0' $R/etc/default/grub; echo $?) "other lines untouched"
$K reset-crashkernel --size=64M@16M > /dev/null 2>&1
ok $(grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash crashkernel=64M@16M"' $R/etc/default/grub; echo $?) "--size replaces the old value"
$K reset-crashkernel --size=64X > $T/out 2>&1
ok $([ $? = 1 ] && grep -q 'crashkernel=64X' $T/out; echo $?) "invalid size refused"
printf '#!/bin/sh\necho "$*" > %s/grubby.log\n' $T > $T/bin/grubby; chmod +x $T/bin/grubby
KDUMP_GRUBBY=$T/bin/grubby $K reset-crashkernel --kernel=/boot/vmlinuz-6.1.0-test > $T/out 2>&1
ok $(grep -qx -- '--update-kernel=/boot/vmlinuz-6.1.0-test --args=crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M' $T/grubby.log; echo $?) "grubby used when present"
rm $R/etc/default/grub
$K reset-crashkernel > $T/out 2>&1
ok $(grep -q 'Add this to the kernel command line' $T/out; echo $?) "neither: prints what to add"

$K start >/dev/null 2>&1
echo no | $K test > $T/out 2>&1
ok $([ ! -f $T/sysrq ] && grep -q 'not confirmed' $T/out; echo $?) "test without 'yes' does nothing"
echo yes | $K test > $T/out 2>&1
ok $([ "$(cat $T/sysrq)" = c ]; echo $?) "test with 'yes' writes c to the sysrq trigger"
# propagate: ssh-keygen only when the key is missing, ssh-copy-id per ssh target.
cat > $T/bin/ssh-keygen <<EOF2
#!/bin/sh
echo "\$*" >> $T/keygen.log
for a; do last=\$a; done
echo priv > "\$last"; echo pub > "\$last.pub"
EOF2
cat > $T/bin/ssh-copy-id <<EOF2
#!/bin/sh
echo "\$*" >> $T/copyid.log
EOF2
chmod +x $T/bin/ssh-keygen $T/bin/ssh-copy-id
printf 'ssh kdump@10.0.2.2\nssh backup@10.0.2.3\nsshkey %s/key\n' $T > $T/ssh.conf
PATH=$T/bin:$PATH KDUMP_CONF=$T/ssh.conf $K propagate > $T/out 2>&1
ok $([ $? = 0 ] && [ "$(wc -l < $T/keygen.log)" = 1 ] && grep -qx -- "-i $T/key.pub kdump@10.0.2.2" $T/copyid.log &&
	grep -qx -- "-i $T/key.pub backup@10.0.2.3" $T/copyid.log; echo $?) "propagate: one key made, copied to both ssh targets"
PATH=$T/bin:$PATH KDUMP_CONF=$T/ssh.conf $K propagate > $T/out 2>&1
ok $([ "$(wc -l < $T/keygen.log)" = 1 ]; echo $?) "propagate keeps an existing key"
$K propagate > $T/out 2>&1
ok $(grep -q 'no ssh target' $T/out; echo $?) "propagate without ssh targets says so"
# sshkey permissions: start refuses a key that group/others can read
echo 0 > $R/sys/kernel/kexec_crash_loaded
printf 'ssh kdump@10.0.2.2\nsshkey %s/skey\ncore_collector makedumpfile -F -l -d 31\n' $T > $T/sshk.conf
KDUMP_CONF=$T/sshk.conf $K start > $T/out 2>&1; rc=$?
ok $([ $rc != 0 ] && grep -q 'propagate' $T/out; echo $?) "start with a missing sshkey fails and points at propagate"
echo key > $T/skey; chmod 644 $T/skey
KDUMP_CONF=$T/sshk.conf $K start > $T/out 2>&1; rc=$?
ok $([ $rc != 0 ] && grep -q 'mode 0644' $T/out; echo $?) "start refuses a group/world-readable sshkey"
chmod 600 $T/skey
KDUMP_CONF=$T/sshk.conf $K start > $T/out 2>&1; rc=$?
ok $([ $rc = 0 ]; echo $?) "start accepts a 0600 sshkey"
echo "1..$n"
[ $failed = 0 ]
