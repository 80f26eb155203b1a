#include "identity/jose.h"

#include "identity/crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <utility>

namespace au::identity {

struct Key::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { EVP_PKEY_free(pkey); }
};

namespace {

constexpr int kMinRsaBits = 2048;
// Larger moduli are legal but make every verification slower by the cube of the size; nobody
// ships them for signing, so a JWKS offering one is treated as hostile.
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kP256FieldBytes = 32;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

// Fetched once: the implicit fetch behind EVP_sha256() costs a provider lookup per signature.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

std::string openssl_error(const char* what) {
  std::string out = what;
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

BnPtr bn_from_bytes(const std::string& bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

std::string bn_to_bytes(const BIGNUM* bn, int pad_to = 0) {
  const int len = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  if (len == 0) return out;
  if (pad_to > 0) {
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len) != len) return {};
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

std::string get_bn_param_bytes(const EVP_PKEY* pkey, const char* name, int pad_to = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ERR_clear_error();
    return {};
  }
  BnPtr bn(raw);
  return bn_to_bytes(bn.get(), pad_to);
}

bool is_p256(const EVP_PKEY* pkey) {
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    ERR_clear_error();
    return false;
  }
  const std::string_view group(name, len);
  return group == "prime256v1" || group == "P-256" || group == "secp256r1";
}

// Checks that a key from outside (JWK, PEM) is one we sign or verify with, and tells its type.
std::optional<KeyType> classify(const EVP_PKEY* pkey, std::string& error) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kMinRsaBits || bits > kMaxRsaBits) {
      error = "RSA key of " + std::to_string(bits) + " bits (2048-8192 accepted)";
      return std::nullopt;
    }
    return KeyType::Rsa;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    if (!is_p256(pkey)) {
      error = "EC key not on P-256";
      return std::nullopt;
    }
    return KeyType::Ec;
  }
  error = "unsupported key type (RSA or EC P-256 only)";
  return std::nullopt;
}

std::optional<std::string> jwk_bytes(const nlohmann::json& jwk, const char* member,
                                     std::string& error) {
  const auto it = jwk.find(member);
  if (it == jwk.end() || !it->is_string()) {
    error = std::string("JWK without string \"") + member + "\"";
    return std::nullopt;
  }
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes || bytes->empty()) {
    error = std::string("JWK \"") + member + "\" is not valid base64url";
    return std::nullopt;
  }
  return bytes;
}

PkeyPtr pkey_from_params(const char* type, OSSL_PARAM_BLD* bld, std::string& error) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    error = openssl_error("JWK rejected by OpenSSL");
    return nullptr;
  }
  return PkeyPtr(raw);
}

PkeyPtr rsa_from_jwk(const nlohmann::json& jwk, std::string& error) {
  const auto n = jwk_bytes(jwk, "n", error);
  if (!n) return nullptr;
  const auto e = jwk_bytes(jwk, "e", error);
  if (!e) return nullptr;
  BnPtr bn_n = bn_from_bytes(*n);
  BnPtr bn_e = bn_from_bytes(*e);
  if (!bn_n || !bn_e) {
    error = openssl_error("RSA JWK: cannot read n/e");
    return nullptr;
  }
  // Checked before OpenSSL builds anything, so a short or huge modulus costs nothing.
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    error = "RSA JWK of " + std::to_string(bits) + " bits (2048-8192 accepted)";
    return nullptr;
  }
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()) || BN_num_bits(bn_e.get()) > 64) {
    error = "RSA JWK with an unusable public exponent";
    return nullptr;
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    error = openssl_error("RSA JWK: parameter build failed");
    return nullptr;
  }
  return pkey_from_params("RSA", bld.get(), error);
}

PkeyPtr ec_from_jwk(const nlohmann::json& jwk, std::string& error) {
  const auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string() || *crv != "P-256") {
    error = "EC JWK not on curve P-256";
    return nullptr;
  }
  const auto x = jwk_bytes(jwk, "x", error);
  if (!x) return nullptr;
  const auto y = jwk_bytes(jwk, "y", error);
  if (!y) return nullptr;
  // RFC 7518 §6.2.1.2: coordinates are the full field size, leading zeros kept.
  if (x->size() != kP256FieldBytes || y->size() != kP256FieldBytes) {
    error = "EC JWK coordinates are not 32 bytes";
    return nullptr;
  }
  std::string point;
  point.reserve(1 + 2 * kP256FieldBytes);
  point.push_back('\x04');
  point += *x;
  point += *y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    error = openssl_error("EC JWK: parameter build failed");
    return nullptr;
  }
  PkeyPtr pkey = pkey_from_params("EC", bld.get(), error);
  if (!pkey) return nullptr;
  // Decoding already refuses most off-curve points; the explicit check also covers the point
  // at infinity and the subgroup, so invalid-curve attacks have nothing to work with.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    error = openssl_error("EC JWK point is not a valid P-256 public key");
    return nullptr;
  }
  return pkey;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// JWS ES256 carries r||s; OpenSSL speaks DER ECDSA-Sig-Value. Any other length is refused
// here, which is where a DER signature smuggled into a JWS ends.
std::string raw_to_der(std::string_view raw) {
  if (raw.size() != 2 * kP256FieldBytes) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, kP256FieldBytes, nullptr);
  BIGNUM* s = BN_bin2bn(p + kP256FieldBytes, kP256FieldBytes, nullptr);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string der_to_raw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return {};
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const std::string rr = bn_to_bytes(r, kP256FieldBytes);
  const std::string ss = bn_to_bytes(s, kP256FieldBytes);
  if (rr.empty() || ss.empty()) return {};
  return rr + ss;
}

const char* algorithm_for(KeyType t) { return t == KeyType::Rsa ? "RS256" : "ES256"; }

}  // namespace

Key::Key() : impl_(std::make_unique<Impl>()) {}
Key::~Key() = default;

std::shared_ptr<const Key> Key::from_jwk(const nlohmann::json& jwk, std::string& error) {
  if (!jwk.is_object()) {
    error = "JWK is not an object";
    return nullptr;
  }
  const auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) {
    error = "JWK without kty";
    return nullptr;
  }
  KeyType type;
  if (*kty == "RSA") {
    type = KeyType::Rsa;
  } else if (*kty == "EC") {
    type = KeyType::Ec;
  } else {
    error = "JWK kty " + kty->get<std::string>() + " not supported";
    return nullptr;
  }
  if (const auto use = jwk.find("use"); use != jwk.end() && (!use->is_string() || *use != "sig")) {
    error = "JWK not meant for signatures";
    return nullptr;
  }
  if (const auto alg = jwk.find("alg");
      alg != jwk.end() && (!alg->is_string() || *alg != algorithm_for(type))) {
    error = "JWK alg does not match its kty";
    return nullptr;
  }
  std::string kid;
  if (const auto k = jwk.find("kid"); k != jwk.end()) {
    if (!k->is_string()) {
      error = "JWK kid is not a string";
      return nullptr;
    }
    kid = k->get<std::string>();
  }
  PkeyPtr pkey = type == KeyType::Rsa ? rsa_from_jwk(jwk, error) : ec_from_jwk(jwk, error);
  if (!pkey) return nullptr;
  std::shared_ptr<Key> key(new Key());
  key->impl_->pkey = pkey.release();
  key->type_ = type;
  key->private_ = false;
  key->kid_ = std::move(kid);
  return key;
}

std::shared_ptr<const Key> Key::from_pem(std::string_view pem, std::string& error) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    error = openssl_error("BIO_new_mem_buf");
    return nullptr;
  }
  const bool is_private = pem.find("PRIVATE KEY-----") != std::string_view::npos;
  // A passphrase callback that refuses keeps OpenSSL from prompting on a terminal when it
  // meets an encrypted key.
  pem_password_cb* no_password = [](char*, int, int, void*) { return -1; };
  EVP_PKEY* raw = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) {
    error = openssl_error("PEM not readable");
    return nullptr;
  }
  PkeyPtr pkey(raw);
  const auto type = classify(pkey.get(), error);
  if (!type) return nullptr;
  std::shared_ptr<Key> key(new Key());
  key->impl_->pkey = pkey.release();
  key->type_ = *type;
  key->private_ = is_private;
  return key;
}

std::shared_ptr<const Key> Key::generate_rsa(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    throw std::invalid_argument("RSA key size must be 2048-8192 bits");
  }
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (raw == nullptr) throw std::runtime_error(openssl_error("RSA key generation failed"));
  std::shared_ptr<Key> key(new Key());
  key->impl_->pkey = raw;
  key->type_ = KeyType::Rsa;
  key->private_ = true;
  return key;
}

std::shared_ptr<const Key> Key::generate_ec_p256() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) throw std::runtime_error(openssl_error("EC key generation failed"));
  std::shared_ptr<Key> key(new Key());
  key->impl_->pkey = raw;
  key->type_ = KeyType::Ec;
  key->private_ = true;
  return key;
}

std::shared_ptr<const Key> Key::with_kid(std::string kid) const {
  std::shared_ptr<Key> key(new Key());
  if (EVP_PKEY_up_ref(impl_->pkey) != 1) throw std::runtime_error("EVP_PKEY_up_ref failed");
  key->impl_->pkey = impl_->pkey;
  key->type_ = type_;
  key->private_ = private_;
  key->kid_ = std::move(kid);
  return key;
}

std::string Key::algorithm() const { return algorithm_for(type_); }

nlohmann::json Key::public_jwk() const {
  nlohmann::json jwk = nlohmann::json::object();
  if (type_ == KeyType::Rsa) {
    jwk["kty"] = "RSA";
    jwk["n"] = base64url_encode(get_bn_param_bytes(impl_->pkey, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = base64url_encode(get_bn_param_bytes(impl_->pkey, OSSL_PKEY_PARAM_RSA_E));
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = base64url_encode(
        get_bn_param_bytes(impl_->pkey, OSSL_PKEY_PARAM_EC_PUB_X, kP256FieldBytes));
    jwk["y"] = base64url_encode(
        get_bn_param_bytes(impl_->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kP256FieldBytes));
  }
  if (!kid_.empty()) jwk["kid"] = kid_;
  jwk["alg"] = algorithm();
  jwk["use"] = "sig";
  return jwk;
}

std::string Key::private_pem() const {
  if (!private_) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey, nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    throw std::runtime_error(openssl_error("PEM_write_bio_PrivateKey"));
  }
  return bio_to_string(bio.get());
}

std::string Key::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey) != 1) {
    throw std::runtime_error(openssl_error("PEM_write_bio_PUBKEY"));
  }
  return bio_to_string(bio.get());
}

std::string Key::thumbprint() const {
  // RFC 7638 §3: required members only, in lexicographic order, no whitespace. The values are
  // base64url or fixed names, so nothing needs JSON escaping.
  const nlohmann::json jwk = public_jwk();
  std::string canonical;
  if (type_ == KeyType::Rsa) {
    canonical = R"({"e":")" + jwk["e"].get<std::string>() + R"(","kty":"RSA","n":")" +
                jwk["n"].get<std::string>() + "\"}";
  } else {
    canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() +
                R"(","y":")" + jwk["y"].get<std::string>() + "\"}";
  }
  return base64url_encode(sha256_raw(canonical));
}

std::string Key::sign(std::string_view data) const {
  if (!private_) throw std::logic_error("Key::sign without a private key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, impl_->pkey,
                            nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    throw std::runtime_error(openssl_error("signature set-up failed"));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw std::runtime_error(openssl_error("signature failed"));
  }
  sig.resize(len);
  if (type_ == KeyType::Ec) {
    std::string raw = der_to_raw(sig);
    if (raw.empty()) throw std::runtime_error("ECDSA signature conversion failed");
    return raw;
  }
  return sig;
}

bool Key::verify(std::string_view data, std::string_view signature) const {
  std::string der;
  std::string_view sig = signature;
  if (type_ == KeyType::Ec) {
    der = raw_to_der(signature);
    if (der.empty()) return false;
    sig = der;
  } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(impl_->pkey))) {
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, sha256_md(), nullptr, impl_->pkey) != 1) {
    ERR_clear_error();
    return false;
  }
  const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                                  sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                                  data.size());
  // A failed verification leaves entries on the thread's error queue; drop them so they do not
  // show up in an unrelated later error message.
  if (rc != 1) ERR_clear_error();
  return rc == 1;
}

KeySet KeySet::from_jwks(const nlohmann::json& jwks) {
  KeySet set;
  if (!jwks.is_object()) return set;
  const auto keys = jwks.find("keys");
  if (keys == jwks.end() || !keys->is_array()) return set;
  for (const auto& jwk : *keys) {
    std::string error;
    if (auto key = Key::from_jwk(jwk, error)) set.keys.push_back(std::move(key));
  }
  return set;
}

KeyPtr KeySet::find(const std::string& kid) const {
  // An empty kid would match every key published without one: never a lookup result.
  if (kid.empty()) return nullptr;
  for (const auto& key : keys) {
    if (key->kid() == kid) return key;
  }
  return nullptr;
}

nlohmann::json KeySet::to_jwks() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& key : keys) list.push_back(key->public_jwk());
  return {{"keys", std::move(list)}};
}

}  // namespace au::identity
