#!/bin/sh
# First-boot step of 'amoeba flash --sd' (run by amoeba-firstboot.service, once the network is up):
# installs Java 17 from the OS packages if missing, unpacks the amoeba bundle into a versioned
# folder, links it as /opt/amoeba/current, then enables and starts amoeba-board.service.
set -eu
# AMOEBA_ROOT: a folder standing in for / (tests run this script against a card's rootfs).
root=${AMOEBA_ROOT:-}
opt="$root/opt/amoeba"
case "$(uname -m)" in
  armv6l) echo "amoeba: this board is ARMv6 (Pi 1, Zero, Zero W): it cannot run a current JVM; amoeba needs ARMv7 or ARMv8" >&2; exit 1 ;;
esac
if ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
  # A Pi has no clock: until NTP has set it, apt may call the archive "not valid yet". 5 tries.
  tries=0
  until apt-get update -q; do
    tries=$((tries + 1))
    [ "$tries" -lt 5 ] || exit 1
    sleep 20
  done
  if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then pkg=openjdk-17-jre-headless; else pkg=default-jre-headless; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg"
fi
version=$(cat "$opt/firstboot.version")
mkdir -p "$opt/versions/$version"
tar -xzf "$opt/bundle.tar.gz" --strip-components=1 -C "$opt/versions/$version"
ln -sfn "versions/$version" "$opt/current"
rm -f "$opt/bundle.tar.gz"
systemctl daemon-reload
systemctl enable amoeba-board.service
# --no-block: this oneshot is itself a start job; do not wait on another one from inside it.
systemctl start --no-block amoeba-board.service
systemctl disable amoeba-firstboot.service
rm -f "$opt/firstboot.pending"
echo "amoeba: board $(sed -n 's/^AMOEBA_BOARD_NAME="\(.*\)"/\1/p' "$root/etc/amoeba/board.conf") installed ($version) and started"
