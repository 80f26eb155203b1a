// Small cryptographic helpers on OpenSSL: random tokens, hashes, constant-time comparison,
// base64url.
//
// Contract: random_token() draws from OpenSSL's CSPRNG and throws std::runtime_error if it
// fails (never falls back to a weaker source). Hash outputs are lowercase hex unless noted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace au::identity {

// `length` characters of [A-Za-z0-9] (about 5.95 bits each): state, nonce, session ids.
std::string random_token(std::size_t length);
// `length` characters of an unambiguous upper-case alphabet (no 0/O, 1/I/L): codes people type.
std::string random_code(std::size_t length);
std::string random_bytes(std::size_t n);

std::string sha256_hex(std::string_view data);
std::string sha256_raw(std::string_view data);       // 32 bytes
std::string hmac_sha256_raw(std::string_view key, std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);

std::string base64url_encode(std::string_view bytes);  // no padding
// Accepts only the URL-safe alphabet without padding (RFC 7515 §2); nullopt otherwise.
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);     // standard alphabet, padded
std::optional<std::string> base64_decode(std::string_view text);

// PKCE (RFC 7636): S256 challenge of a verifier.
std::string pkce_challenge(std::string_view verifier);

}  // namespace au::identity
