#!/bin/sh
# /init of the oracle guest: mount /proc (pagemap and status are read there),
# run the compiled scenarios, then end the guest with reboot -f (QEMU runs with
# -no-reboot, so this exits QEMU; poweroff would only halt a kernel without ACPI).
/bin/busybox mount -t proc proc /proc
/bin/busybox mkdir -p /tmp
echo "VMSORACLE-BOOT"
/vmsim-guest /scenarios.txt
echo "VMSORACLE-EXIT $?"
/bin/busybox reboot -f
