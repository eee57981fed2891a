#!/bin/sh
# /init of the oracle guest: mount /proc (pagemap and status are read there)
# and devtmpfs (/dev/ttyS1 carries the results, /dev/kmsg takes the markers),
# run the compiled scenarios, then end the guest with reboot -f (QEMU runs with
# -no-reboot, so this exits QEMU; poweroff would only halt a kernel without ACPI).
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mkdir -p /tmp
/bin/busybox stty -F /dev/ttyS1 raw -echo 2>/dev/null
echo "VMSORACLE-BOOT"
/vmsim-guest /scenarios.txt /dev/ttyS1
echo "VMSORACLE-EXIT $?"
/bin/busybox reboot -f
