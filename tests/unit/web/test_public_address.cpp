// Which addresses a URL typed by a person may reach (web/public_address.h).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>


#include "web/public_address.h"

namespace au::web {
namespace {

bool public_v4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, text, &a.sin_addr), 1) << text;
  return is_public_address(reinterpret_cast<const sockaddr*>(&a));
}

bool public_v6(const char* text) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, text, &a.sin6_addr), 1) << text;
  return is_public_address(reinterpret_cast<const sockaddr*>(&a));
}

TEST(PublicAddress, InternalIpv4RangesAreNotPublic) {
  for (const char* a : {"0.0.0.0", "10.1.2.3", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.0.9",
                        "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.10", "192.168.1.1",
                        "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.5", "224.0.0.1", "239.1.1.1",
                        "240.0.0.1", "255.255.255.255"})
    EXPECT_FALSE(public_v4(a)) << a;
}

TEST(PublicAddress, PublicIpv4AddressesArePublicIncludingTheEdgesOfInternalRanges) {
  for (const char* a : {"1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
                        "128.0.0.1", "169.253.255.255", "172.15.255.255", "172.32.0.0", "192.167.255.255",
                        "192.169.0.0", "198.17.255.255", "198.20.0.0", "212.131.5.10", "223.255.255.255"})
    EXPECT_TRUE(public_v4(a)) << a;
}

TEST(PublicAddress, InternalIpv6RangesAndMappedInternalIpv4AreNotPublic) {
  for (const char* a : {"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1", "2001:db8::1",
                        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1"})
    EXPECT_FALSE(public_v6(a)) << a;
}

TEST(PublicAddress, PublicIpv6AddressesArePublic) {
  for (const char* a : {"2a00:1450:4002:80a::200e", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"})
    EXPECT_TRUE(public_v6(a)) << a;
}

TEST(PublicAddress, OtherFamiliesAndNullAreNotPublic) {
  sockaddr unix_address{};
  unix_address.sa_family = AF_UNIX;
  EXPECT_FALSE(is_public_address(&unix_address));
  EXPECT_FALSE(is_public_address(nullptr));
}

}  // namespace
}  // namespace au::web
