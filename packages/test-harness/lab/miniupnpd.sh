#!/usr/bin/env bash
# Runs miniupnpd (Debian's miniupnpd-nftables) on router A of a NAT lab (lab.sh), in the
# foreground, as a real UPnP IGD and NAT-PMP gateway for LAB-a's network: it forwards ports
# from 11.0.1.1 to 192.168.1.x by filling the chains lab.sh made for it (Debian's nft_init.sh is
# not used: it sources a file the package lacks).
#   miniupnpd.sh LAB [both|natpmp]   natpmp: NAT-PMP/PCP only, no UPnP
set -euo pipefail
lab=${1:?usage: miniupnpd.sh LAB [both|natpmp]}
upnp=yes
[ "${2:-both}" = natpmp ] && upnp=no
dir=$(mktemp -d "/tmp/${lab}-miniupnpd.XXXXXX")
cat > "$dir/miniupnpd.conf" <<CONF
ext_ifname=wan0
listening_ip=lan0
ext_ip=11.0.1.1
ext_perform_stun=no
port=0
enable_upnp=${upnp}
enable_natpmp=yes
secure_mode=yes
system_uptime=yes
notify_interval=60
clean_ruleset_interval=600
uuid=6ad3c7e2-1b4f-4c1e-9a8d-0c0ffee0cafe
upnp_table_name=filter
upnp_nat_table_name=filter
upnp_forward_chain=miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
allow 1024-65535 192.168.1.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
exec ip netns exec "${lab}-ra" miniupnpd -d -f "$dir/miniupnpd.conf" -P "$dir/miniupnpd.pid"
