#!/usr/bin/env bash
# The NAT lab: two home networks behind two home routers on a pretend internet, all in network
# namespaces (root only). Nothing in it can reach the machine's own network or the real internet.
#
#   lab.sh up LAB NAT_A NAT_B [LOSS]   build it; NAT_x is "cone" (port-preserving masquerade) or
#                                      "random" (masquerade random,fully-random: a new port per
#                                      destination, as symmetric NATs do); LOSS is a percentage
#                                      router A drops at random, both ways (nftables numgen)
#   lab.sh down LAB                    remove it (every namespace named LAB-*)
#   lab/miniupnpd.sh LAB [natpmp]      run miniupnpd on router A (UPnP IGD and NAT-PMP, or
#                                      NAT-PMP only)
#
# Layout (LAB-wan is the "internet": a bridge on 11.0.0.0/16, a public-looking range that exists
# only here; HyperDHT refuses to hole-punch reserved and private ranges):
#
#   LAB-a 192.168.1.2 ── 192.168.1.1 LAB-ra 11.0.1.1 ──┐
#                                                     ├── LAB-wan br0: 11.0.0.2, .3, .4 (DHT
#   LAB-b 192.168.2.2 ── 192.168.2.1 LAB-rb 11.0.2.1 ──┘    bootstrap nodes), 11.0.0.5 (relay)
#
# Each router masquerades its LAN and, as home routers do, drops whatever comes from the wan
# side unsolicited (input and forward), so only punched holes and mapped ports let anything in.
set -euo pipefail

usage() {
  echo "usage: lab.sh up LAB cone|random cone|random [LOSS] | lab.sh down LAB" >&2
  exit 2
}

down() {
  local lab=$1
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^${lab}-" || true); do
    # Processes still inside would keep the namespace's interfaces alive: end them first.
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

router() {
  local lab=$1 side=$2 nat=$3 wan=$4 lan=$5 loss=$6
  local r="${lab}-r${side}" h="${lab}-${side}"
  ip netns add "$r"
  ip netns add "$h"
  ip -n "$r" link set lo up
  ip -n "$h" link set lo up
  # Router wan side on the bridge.
  ip link add wan0 netns "$r" type veth peer name "r${side}" netns "${lab}-wan"
  ip -n "${lab}-wan" link set "r${side}" master br0 up
  ip -n "$r" addr add "${wan}/16" dev wan0
  ip -n "$r" link set wan0 up
  # Home network.
  ip link add lan0 netns "$r" type veth peer name eth0 netns "$h"
  ip -n "$r" addr add "${lan}.1/24" dev lan0
  ip -n "$r" link set lan0 up
  ip -n "$h" addr add "${lan}.2/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" route add default via "${lan}.1"
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  local masquerade="masquerade"
  [ "$nat" = random ] && masquerade="masquerade random,fully-random"
  local drop=""
  [ "$loss" -gt 0 ] && drop="numgen random mod 100 < ${loss} drop"
  ip netns exec "$r" nft -f - <<NFT
table ip nat {
  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" ${masquerade}
  }
}
table inet filter {
  # Empty until miniupnpd (lab/miniupnpd.sh) fills them: a forwarded port is a DNAT rule in
  # prerouting_miniupnpd and an accept in miniupnpd, which comes before the home-router drop.
  chain miniupnpd { }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump postrouting_miniupnpd
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    ${drop}
    iifname "wan0" ct state established,related accept
    jump miniupnpd
    iifname "wan0" drop
  }
}
NFT
}

up() {
  [ $# -ge 3 ] || usage
  local lab=$1 nat_a=$2 nat_b=$3 loss=${4:-0}
  for nat in "$nat_a" "$nat_b"; do
    [ "$nat" = cone ] || [ "$nat" = random ] || usage
  done
  [[ "$loss" =~ ^[0-9]+$ ]] || usage
  down "$lab"
  ip netns add "${lab}-wan"
  ip -n "${lab}-wan" link set lo up
  ip -n "${lab}-wan" link add br0 type bridge
  ip -n "${lab}-wan" link set br0 up
  for last in 2 3 4 5; do ip -n "${lab}-wan" addr add "11.0.0.${last}/16" dev br0; done
  router "$lab" a "$nat_a" 11.0.1.1 192.168.1 "$loss"
  router "$lab" b "$nat_b" 11.0.2.1 192.168.2 0
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) [ $# -eq 2 ] || usage; down "$2" ;;
  *) usage ;;
esac
