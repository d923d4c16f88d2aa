#!/bin/bash
# Installs dropbolt as a systemd service: a system user, /etc/dropbolt (config, rules, wallet secret),
# /var/lib/dropbolt (state), the unit with a drop-in making the watched folders writable, and the inotify sysctl
# drop-in. Then checks what commonly goes wrong (a folder the service user cannot write, a secret others can read,
# a config error) and tells you how to fix it. Safe to run again: existing config, rules and secrets are kept.
#
#   deploy/install.sh [--binary PATH] [--photos DIR]... [--wallet-key FILE]
#
#   --binary PATH      the dropbolt executable (default: .build/release/dropbolt, else .build/debug/dropbolt)
#   --photos DIR       a folder the rules watch (repeatable; default /srv/photos). Outputs are written beside the
#                      originals, so the service needs write access: it goes into ReadWritePaths=.
#   --wallet-key FILE  copy this wallet secret to /etc/dropbolt/wallet.key (root only; the unit hands it to the
#                      daemon through systemd's credentials, config `key_file: credential:wallet`).
#
# DESTDIR=/some/folder stages every file under that folder and skips what changes the running system (user
# creation, ownership, sysctl, systemctl); the tests use it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
destdir=${DESTDIR:-}
binary=""
photos=()
wallet_key=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --photos) photos+=("$2"); shift 2 ;;
    --wallet-key) wallet_key=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#photos[@]} -gt 0 ] || photos=(/srv/photos)
if [ -z "$binary" ]; then
  for candidate in "$repo/.build/release/dropbolt" "$repo/.build/debug/dropbolt"; do
    if [ -x "$candidate" ]; then binary=$candidate; break; fi
  done
fi
[ -n "$binary" ] && [ -x "$binary" ] || { echo "install.sh: no dropbolt binary; run 'swift build -c release' or pass --binary" >&2; exit 1; }
live=true
if [ -n "$destdir" ]; then live=false; fi
if $live && [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root (or set DESTDIR to stage the files)" >&2; exit 1; fi
problems=0
warn() { echo "warning: $*" >&2; problems=$((problems + 1)); }

# 1. The service user.
if $live && ! id dropbolt >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/dropbolt --no-create-home --shell /usr/sbin/nologin dropbolt
  echo "created system user dropbolt"
fi

# 2. Binary, folders, config, rules.
install -D -m 0755 "$binary" "$destdir/usr/local/bin/dropbolt"
install -D -m 0644 "$repo/README.md" "$destdir/usr/local/share/doc/dropbolt/README.md"
install -d -m 0750 "$destdir/etc/dropbolt" "$destdir/etc/dropbolt/rules"
install -d -m 0700 "$destdir/var/lib/dropbolt"
config="$destdir/etc/dropbolt/config.yaml"
if [ ! -e "$config" ]; then
  cat >"$config" <<YAML
# dropbolt service config (deploy/install.sh). Reference: /usr/local/share/doc/dropbolt/README.md
rules: /etc/dropbolt/rules
state: /var/lib/dropbolt
provider:
  url: https://sats4ai.com
  timeout_seconds: 120
budget:
  max_sats_per_image: 500
  daily_sats: 5000
  monthly_sats: 50000
workers: 2
# Uncomment to pay (without a wallet dropbolt only quotes). The secret is /etc/dropbolt/wallet.key, handed over
# by systemd (LoadCredential=wallet:… in the unit).
#wallet:
#  kind: lnbits
#  url: https://your-lnbits.example
#  key_file: credential:wallet
#  max_fee_sats: 10
YAML
  echo "wrote $config"
fi
rules="$destdir/etc/dropbolt/rules"
if [ -z "$(ls -A "$rules")" ]; then
  cat >"$rules/captions.yaml.example" <<YAML
# Rename to captions.yaml to enable: one sentence of alt text beside every image dropped in ${photos[0]}/captions.
watch: ${photos[0]}/captions
action: analyze
prompt: Write one sentence of alt text for this image, plain and factual.
output: "{stem}.txt"
max_sats: 200
YAML
  echo "wrote $rules/captions.yaml.example"
fi
if [ -n "$wallet_key" ]; then
  install -m 0600 "$wallet_key" "$destdir/etc/dropbolt/wallet.key"
  echo "copied the wallet secret to /etc/dropbolt/wallet.key (mode 600, root)"
fi

# 3. Unit, its drop-in for the watched folders, and the inotify sysctl.
install -D -m 0644 "$here/dropbolt.service" "$destdir/etc/systemd/system/dropbolt.service"
dropin="$destdir/etc/systemd/system/dropbolt.service.d/paths.conf"
install -d -m 0755 "$(dirname "$dropin")"
{
  echo "# Written by deploy/install.sh: the folders the rules watch (outputs are written beside the originals)."
  echo "[Service]"
  for folder in "${photos[@]}"; do echo "ReadWritePaths=$folder"; done
} >"$dropin"
install -D -m 0644 "$here/60-dropbolt-inotify.conf" "$destdir/etc/sysctl.d/60-dropbolt-inotify.conf"

# 4. Ownership and the live system.
if $live; then
  chown root:dropbolt /etc/dropbolt /etc/dropbolt/rules /etc/dropbolt/config.yaml
  chmod 0640 /etc/dropbolt/config.yaml
  chown dropbolt:dropbolt /var/lib/dropbolt
  [ -e /etc/dropbolt/wallet.key ] && chown root:root /etc/dropbolt/wallet.key && chmod 0600 /etc/dropbolt/wallet.key
  for folder in "${photos[@]}"; do
    if [ ! -d "$folder" ]; then
      install -d -m 2775 -o dropbolt -g dropbolt "$folder"
      echo "created $folder (owned by dropbolt)"
    fi
  done
  sysctl --system >/dev/null 2>&1 || warn "could not apply /etc/sysctl.d/60-dropbolt-inotify.conf now (it applies at boot)"
fi

# 5. Checks.
for folder in "${photos[@]}"; do
  if $live && command -v runuser >/dev/null && ! runuser -u dropbolt -- test -w "$folder" 2>/dev/null; then
    warn "$folder is not writable by the dropbolt user; outputs cannot be written beside the originals." \
      "Fix: chgrp -R dropbolt '$folder' && chmod -R g+w '$folder'"
  fi
done
key="$destdir/etc/dropbolt/wallet.key"
if [ -e "$key" ] && [ "$(stat -c %a "$key")" != "600" ] && [ "$(stat -c %a "$key")" != "400" ]; then
  warn "$key is readable by other users (mode $(stat -c %a "$key")). Fix: chmod 600 '$key'"
fi
if $live && ! "$destdir/usr/local/bin/dropbolt" rules check --config "$config" >/dev/null 2>&1; then
  warn "the config or a rule has an error; see: dropbolt rules check --config /etc/dropbolt/config.yaml"
fi
if command -v systemd-analyze >/dev/null; then
  unit="$destdir/etc/systemd/system/dropbolt.service"
  if $live; then
    systemd-analyze verify "$unit" || warn "systemd-analyze verify reported problems in $unit"
  fi
fi
if $live; then
  systemctl daemon-reload 2>/dev/null || warn "systemctl daemon-reload failed (is systemd running?)"
  echo
  echo "Installed. Next: add rules in /etc/dropbolt/rules, then: systemctl enable --now dropbolt"
  echo "Logs: journalctl -u dropbolt -f    Status: sudo -u dropbolt dropbolt status --config /etc/dropbolt/config.yaml"
fi
[ "$problems" -eq 0 ] || echo "$problems warning(s) above." >&2
exit 0
