#include "web/public_address.h"

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace au::web {

namespace {

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

constexpr std::uint32_t v4(int a, int b, int c, int d) {
  return std::uint32_t(a) << 24 | std::uint32_t(b) << 16 | std::uint32_t(c) << 8 | std::uint32_t(d);
}

bool public_v4(std::uint32_t a) {
  struct Net {
    std::uint32_t net;
    int bits;
  };
  static constexpr std::array<Net, 14> kNotPublic{{
      {v4(0, 0, 0, 0), 8},       {v4(10, 0, 0, 0), 8},     {v4(100, 64, 0, 0), 10},  {v4(127, 0, 0, 0), 8},
      {v4(169, 254, 0, 0), 16},  {v4(172, 16, 0, 0), 12},  {v4(192, 0, 0, 0), 24},   {v4(192, 0, 2, 0), 24},
      {v4(192, 168, 0, 0), 16},  {v4(198, 18, 0, 0), 15},  {v4(198, 51, 100, 0), 24}, {v4(203, 0, 113, 0), 24},
      {v4(224, 0, 0, 0), 4},     {v4(240, 0, 0, 0), 4},  // multicast; reserved and broadcast
  }};
  for (const auto& n : kNotPublic)
    if (in_v4(a, n.net, n.bits)) return false;
  return true;
}

bool public_v6(const unsigned char* b) {
  static constexpr unsigned char kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  // ::ffff:a.b.c.d (mapped) and 64:ff9b::a.b.c.d (NAT64) lead to an IPv4 address: judge that one.
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0)
    return public_v4(std::uint32_t(b[12]) << 24 | std::uint32_t(b[13]) << 16 | std::uint32_t(b[14]) << 8 | b[15]);
  if ((b[0] & 0xfe) == 0xfc) return false;                   // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0x80) == 0x80) return false;   // fe80::/10 link-local, fec0::/10 site-local
  if (b[0] == 0xff) return false;                            // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
  return true;
}

}  // namespace

bool is_public_address(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return public_v4(ntohl(in->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    return public_v6(in6->sin6_addr.s6_addr);
  }
  return false;  // Unix sockets and anything else: never for a URL typed by the public
}

}  // namespace au::web
