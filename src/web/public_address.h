// Which network addresses a request to a URL chosen by a member of the public may reach.
//
// A person's own notification webhook is a URL they type: without a check, the hub would POST
// to whatever it names, including its own loopback services, the region's internal network or a
// cloud metadata endpoint (server-side request forgery). The check is made on the address the
// connection is about to use, after DNS (web::OutboundRequest::public_addresses_only), so a name
// that resolves to an internal address is refused as surely as a literal one.
//
// Not public: IPv4 0/8, 10/8, 100.64/10 (carrier-grade NAT), 127/8, 169.254/16 (link-local,
// metadata services), 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24,
// 203.0.113/24, 224/4 and above; IPv6 ::, ::1, fc00::/7, fe80::/9 (link- and site-local),
// ff00::/8, 2001:db8::/32, and 64:ff9b::/96 and ::ffff:0:0/96 judged by the IPv4 address they
// carry (RFC 6890 special-purpose registries).
#pragma once

#include <sys/socket.h>

namespace au::web {

bool is_public_address(const sockaddr* address);

}  // namespace au::web
