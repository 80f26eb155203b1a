#include "identity/id_token.h"

#include "identity/crypto.h"

#include <optional>

namespace au::identity {
namespace {

// A NumericDate may be an integer or a fraction (RFC 7519 §2). Comparing in double is exact
// for every second up to 2^53, far beyond any plausible date, and keeps huge or negative
// values from overflowing an integer sum with the skew.
std::optional<double> numeric_date(const nlohmann::json& claims, const char* name,
                                   bool& malformed) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (!it->is_number()) {
    malformed = true;
    return std::nullopt;
  }
  return it->get<double>();
}

bool string_claim_equals(const nlohmann::json& claims, const char* name, const std::string& want) {
  const auto it = claims.find(name);
  return it != claims.end() && it->is_string() && it->get_ref<const std::string&>() == want;
}

}  // namespace

std::string check_claims(const nlohmann::json& claims, const ClaimExpectations& expect) {
  if (!claims.is_object()) return "malformed-claims";

  bool malformed = false;
  const auto exp = numeric_date(claims, "exp", malformed);
  const auto iat = numeric_date(claims, "iat", malformed);
  const auto nbf = numeric_date(claims, "nbf", malformed);
  if (malformed || !exp || !iat) return "malformed-claims";

  // Empty expectations are a configuration mistake; they must not match an empty claim.
  if (expect.issuer.empty() || !string_claim_equals(claims, "iss", expect.issuer)) {
    return "wrong-issuer";
  }

  const auto aud = claims.find("aud");
  if (expect.audience.empty() || aud == claims.end()) return "wrong-audience";
  if (aud->is_string()) {
    if (aud->get_ref<const std::string&>() != expect.audience) return "wrong-audience";
  } else if (aud->is_array()) {
    bool found = false;
    for (const auto& a : *aud) {
      if (a.is_string() && a.get_ref<const std::string&>() == expect.audience) found = true;
    }
    if (!found) return "wrong-audience";
    // OIDC Core §3.1.3.7 (4-5): with several audiences the token must say it was issued to us,
    // or a token obtained by another relying party of the same provider would be accepted.
    if (aud->size() > 1 && !string_claim_equals(claims, "azp", expect.audience)) {
      return "wrong-azp";
    }
  } else {
    return "wrong-audience";
  }

  const double now = static_cast<double>(expect.now);
  const double skew = static_cast<double>(expect.skew_seconds);
  if (!(now < *exp + skew)) return "expired";
  if (nbf && !(now + skew >= *nbf)) return "not-yet-valid";
  if (*iat > now + skew) return "issued-in-future";
  if (expect.max_age_seconds > 0 &&
      now - *iat > static_cast<double>(expect.max_age_seconds) + skew) {
    return "too-old";
  }

  if (!expect.nonce.empty()) {
    const auto nonce = claims.find("nonce");
    if (nonce == claims.end()) return "missing-nonce";
    if (!nonce->is_string() ||
        !constant_time_equal(nonce->get_ref<const std::string&>(), expect.nonce)) {
      return "wrong-nonce";
    }
  }

  if (expect.require_jti) {
    const auto jti = claims.find("jti");
    if (jti == claims.end() || !jti->is_string() || jti->get_ref<const std::string&>().empty()) {
      return "missing-jti";
    }
  }
  return "";
}

}  // namespace au::identity
