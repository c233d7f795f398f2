#!/bin/bash
# install-debian.sh — turn a Debian 12/13 PC into a hearingroom village terminal.
#
#   sudo ./install-debian.sh [--user kiosk] [--ca-cert county-ca.pem] [--ntp 10.0.0.1] SERVER_URL
#   ./install-debian.sh --print-policy [--ca-cert FILE] SERVER_URL   # only print the Chromium policy
#
# SERVER_URL is the server's address as the terminal reaches it, e.g.
# https://jiefang.example.gov.cn or https://10.20.0.5:8443 (a path is ignored).
# Safe to run again: with a new SERVER_URL it rewrites the policy and the
# browser's address (the terminal must then be paired again: see README.md).
# Installs chromium, LightDM, a minimal X session and CJK fonts with apt: run it
# where the county's Debian mirror (or a local one) is reachable. Nothing is
# fetched from the internet when the terminal runs.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
user=kiosk
ca_cert=
ntp=
print_policy=false
url=

die() { echo "install-debian.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--user) user=${2:?--user needs a name}; shift 2 ;;
	--ca-cert) ca_cert=${2:?--ca-cert needs a PEM file}; shift 2 ;;
	--ntp) ntp=${2:?--ntp needs a server}; shift 2 ;;
	--print-policy) print_policy=true; shift ;;
	-h | --help) sed -n '2,14p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) [[ -z $url ]] || die "one SERVER_URL only"; url=$1; shift ;;
	esac
done
[[ -n $url ]] || die "usage: install-debian.sh [options] SERVER_URL (see --help)"
[[ $user =~ ^[a-z_][a-z0-9_-]*$ ]] || die "bad user name: $user"

# The origin (scheme://host[:port], default port dropped), as Chromium writes it.
[[ $url =~ ^(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:([0-9]+))?(/.*)?$ ]] ||
	die "SERVER_URL must look like https://host[:port]: $url"
scheme=${BASH_REMATCH[1],,}
host=${BASH_REMATCH[2],,}
port=${BASH_REMATCH[4]}
if [[ ($scheme == https && $port == 443) || ($scheme == http && $port == 80) ]]; then
	port=
fi
origin="$scheme://$host${port:+:$port}"
kiosk_url="$origin/kiosk"

ca_b64=
if [[ -n $ca_cert ]]; then
	[[ -r $ca_cert ]] || die "cannot read $ca_cert"
	# PEM body = base64 of the DER certificate, which is what CACertificates wants.
	ca_b64=$(sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/{/-----/d;p}' "$ca_cert" | tr -d ' \r\n')
	[[ -n $ca_b64 ]] || die "$ca_cert holds no PEM certificate"
	[[ $(grep -c -- '-----BEGIN CERTIFICATE-----' "$ca_cert") -eq 1 ]] ||
		die "$ca_cert: give one certificate, the CA's"
	# Chromium takes a CACertificates entry as a trust anchor for issuing: the
	# server's own certificate (e.g. --tls-self-signed's) fails as ERR_CERT_INVALID.
	if command -v openssl >/dev/null && ! openssl x509 -in "$ca_cert" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE'; then
		die "$ca_cert is not a CA certificate (no basicConstraints CA:TRUE): give the CA that issued the server's certificate (README.md)"
	fi
fi

render_policy() {
	local skip=()
	# The insecure-origin exception is for an http:// server only.
	[[ $scheme == http ]] || skip+=(-e '/"OverrideSecurityRestrictionsOnInsecureOrigin"/d')
	[[ -n $ca_b64 ]] || skip+=(-e '/"CACertificates"/d')
	sed "${skip[@]}" -e "s|@ORIGIN@|$origin|g" -e "s|@CA_CERT_BASE64@|$ca_b64|g" "$here/hearingroom-kiosk.json"
}

if $print_policy; then
	render_policy
	exit 0
fi

[[ $(id -u) -eq 0 ]] || die "run as root (sudo)"
# shellcheck source=/dev/null
. /etc/os-release
if [[ ${ID:-} != debian ]]; then
	echo "warning: written for Debian 12/13 (found ${PRETTY_NAME:-unknown}); on Ubuntu 'chromium' is a snap that needs the Snap Store, see README.md" >&2
fi
if [[ $scheme == http ]]; then
	echo "warning: $origin is plain HTTP: camera and microphone work only through the OverrideSecurityRestrictionsOnInsecureOrigin policy, and everything (sign-ins, the terminal credential, petitioners' data) crosses the network unencrypted. Use HTTPS for real cases." >&2
fi

echo "== packages"
pkgs=(chromium lightdm xserver-xorg x11-xserver-utils matchbox-window-manager
	fonts-noto-cjk pipewire-pulse wireplumber)
if [[ -n $ntp ]] && ! command -v chronyd >/dev/null; then
	pkgs+=(systemd-timesyncd)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "lightdm shared/default-x-display-manager select lightdm" | debconf-set-selections
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

echo "== kiosk user $user"
if ! id "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash --comment "hearingroom kiosk" "$user"
fi
# useradd leaves the password locked ("!"): the account is only ever logged in automatically.

echo "== Chromium policy for $origin"
install -d -m 0755 /etc/chromium/policies/managed
render_policy >/etc/chromium/policies/managed/hearingroom-kiosk.json.new
chmod 0644 /etc/chromium/policies/managed/hearingroom-kiosk.json.new
mv /etc/chromium/policies/managed/hearingroom-kiosk.json.new /etc/chromium/policies/managed/hearingroom-kiosk.json

echo "== kiosk session, browser service, automatic login"
install -d -m 0755 /etc/hearingroom-kiosk
printf 'KIOSK_URL=%s\nKIOSK_USER=%s\n' "$kiosk_url" "$user" >/etc/hearingroom-kiosk/kiosk.env
chmod 0644 /etc/hearingroom-kiosk/kiosk.env
install -D -m 0755 "$here/kiosk-browser" /usr/local/lib/hearingroom-kiosk/kiosk-browser
install -D -m 0755 "$here/kiosk-session" /usr/local/lib/hearingroom-kiosk/kiosk-session
install -D -m 0755 "$here/hearingroom-kiosk-pair" /usr/local/sbin/hearingroom-kiosk-pair
install -D -m 0644 "$here/hearingroom-kiosk.service" /etc/systemd/user/hearingroom-kiosk.service
install -D -m 0644 "$here/hearingroom-kiosk.desktop" /usr/share/xsessions/hearingroom-kiosk.desktop
install -d -m 0755 /etc/lightdm/lightdm.conf.d
sed "s|@KIOSK_USER@|$user|g" "$here/50-hearingroom-kiosk.conf" >/etc/lightdm/lightdm.conf.d/50-hearingroom-kiosk.conf
chmod 0644 /etc/lightdm/lightdm.conf.d/50-hearingroom-kiosk.conf

# LightDM is the display manager (replacing GDM/SDDM if present), booting to it.
echo /usr/sbin/lightdm >/etc/X11/default-display-manager
systemctl enable --force lightdm.service
systemctl set-default graphical.target

echo "== never sleep"
# Blanking and DPMS are off in the X server (lightdm conf) and the session
# (xset); here the machine itself is kept from suspending.
systemctl mask sleep.target suspend.target hibernate.target hybrid-sleep.target

echo "== time"
timedatectl set-timezone Asia/Shanghai
if [[ -n $ntp ]]; then
	if command -v chronyd >/dev/null; then
		install -d -m 0755 /etc/chrony/conf.d
		for s in ${ntp//,/ }; do echo "server $s iburst"; done >/etc/chrony/conf.d/hearingroom-kiosk.conf
		systemctl restart chrony
	else
		install -d -m 0755 /etc/systemd/timesyncd.conf.d
		printf '[Time]\nNTP=%s\n' "${ntp//,/ }" >/etc/systemd/timesyncd.conf.d/hearingroom-kiosk.conf
		systemctl enable systemd-timesyncd
		systemctl restart systemd-timesyncd
		timedatectl set-ntp true
	fi
fi

cat <<EOT

Done. The terminal opens $kiosk_url after a reboot:
  sudo reboot
Then pair it with a code from the administrator (valid 15 minutes):
  sudo hearingroom-kiosk-pair CODE
Still to do by hand (README.md): BIOS "power on after AC loss" (and the
screen's own power-on setting), then the camera, microphone and speaker check.
EOT
