// Token signing and verification throughput, single-threaded: the per-request cost of accepting
// a bearer token (parse_jws + verify_jws + check_claims) and of issuing one, for RS256 (RSA-2048)
// and ES256 (P-256). Prints "name value" lines for docs/BENCHMARKS.md.
#include "identity/id_token.h"
#include "identity/jose.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using au::identity::ClaimExpectations;
using au::identity::Key;
using au::identity::KeySet;
using Clock = std::chrono::steady_clock;

constexpr double kSecondsPerMeasure = 2.0;

// Runs `op` in batches until kSecondsPerMeasure has passed; returns operations per second.
// Batching keeps the clock reads out of the measured cost.
template <typename Op>
double per_second(Op op) {
  const auto start = Clock::now();
  std::uint64_t count = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i) op();
    count += 16;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < kSecondsPerMeasure);
  return static_cast<double>(count) / elapsed;
}

void measure(const char* name, const std::shared_ptr<const Key>& key) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // Shaped like our access tokens (RFC 9068).
  const nlohmann::json payload = {
      {"iss", "https://accesso.example.it"},
      {"sub", "b1c9f0d2-6e4a-4d3b-9a51-3f0e2c7d8a41"},
      {"aud", "https://api.accesso.example.it"},
      {"client_id", "app-comune-perugia"},
      {"scope", "openid profile servizi:read"},
      {"iat", now},
      {"exp", now + 600},
      {"jti", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}};
  const std::string token = au::identity::sign_jwt(*key, payload, "at+jwt");

  std::string error;
  KeySet keys;
  keys.keys.push_back(Key::from_jwk(key->public_jwk(), error));
  if (!keys.keys.back()) {
    std::fprintf(stderr, "JWK import failed: %s\n", error.c_str());
    std::exit(1);
  }
  ClaimExpectations expect;
  expect.issuer = "https://accesso.example.it";
  expect.audience = "https://api.accesso.example.it";
  expect.now = now;
  expect.require_jti = true;

  std::uint64_t failures = 0;
  const double verify = per_second([&] {
    std::string err;
    const auto jws = au::identity::parse_jws(token, err);
    if (!jws || au::identity::verify_jws(*jws, keys) != au::identity::VerifyResult::Ok ||
        !au::identity::check_claims(jws->payload, expect).empty()) {
      ++failures;
    }
  });
  std::size_t sink = 0;
  const double sign = per_second([&] { sink += au::identity::sign_jwt(*key, payload).size(); });

  if (failures != 0) {
    std::fprintf(stderr, "%s: %llu verifications failed\n", name,
                 static_cast<unsigned long long>(failures));
    std::exit(1);
  }
  std::printf("%s_token_bytes %zu\n", name, token.size());
  std::printf("%s_verify_per_s %.0f\n", name, verify);
  std::printf("%s_verify_us %.1f\n", name, 1e6 / verify);
  std::printf("%s_sign_per_s %.0f\n", name, sign);
  std::printf("%s_sign_us %.1f\n", name, 1e6 / sign);
  std::fflush(stdout);
  if (sink == 0) std::puts("");  // keeps the signing loop from being optimised away
}

}  // namespace

int main() {
  measure("rs256", Key::generate_rsa(2048)->with_kid("bench-rsa"));
  measure("es256", Key::generate_ec_p256()->with_kid("bench-ec"));
  return 0;
}
