#!/bin/sh
# Capture-kernel hook used by issue2-hooks.sh: proves --extra-file and
# --capture-cmd work.  Writes into $CL_OUT (becomes vmcores/<name>.out/).
set -e
head -c 65536 /proc/vmcore > "$CL_OUT/head"
cat /proc/cmdline > "$CL_OUT/cmdline"
stat -c %s /proc/vmcore > "$CL_OUT/size"
echo "$1" > "$CL_OUT/arg"
