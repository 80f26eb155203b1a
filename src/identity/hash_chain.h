// Tamper-evident, append-only history: a hash chain of records. Pure (no database): the store
// layer persists ChainRecord rows and feeds them back here to be verified.
//
// Contract:
//   struct ChainRecord {
//     std::int64_t sequence;      // 1, 2, 3 ... without gaps
//     std::string payload;        // the canonical bytes of the stored event (the caller
//                                 // serialises; e.g. nlohmann dump() of a sorted object)
//     std::string previous_hash;  // hex SHA-256 of the previous record, or 64 zeros for the first
//     std::string hash;           // hex SHA-256 over sequence, previous_hash and payload
//   };
//
// chain_hash() hashes an unambiguous encoding:
//   "au-chain-v1\n" <decimal sequence> "\n" <len(previous_hash)> ":" previous_hash "\n"
//   <len(payload)> ":" payload
// Length-prefixing matters because the fields are free-form bytes: with bare separators a field
// containing the separator would let two different (previous_hash, payload) pairs encode to the
// same bytes (e.g. moving "…\nX" from the end of one field to the start of the next), so an
// attacker could change a record's content while keeping its hash. With lengths the encoding
// parses back to exactly one tuple, so equal hashes imply equal fields (up to SHA-256 collisions).
//
// verify_chain() / ChainVerifier report EVERY problem found, each naming a record (sequence):
//   "altered"     the record's hash does not match its content (or a record does not match the
//                 anchored head hash: the chain was rewritten);
//   "broken-link" previous_hash is not the hash of the record stored before it (that record was
//                 altered and re-hashed, or one was removed), or the first record's previous_hash
//                 is not 64 zeros;
//   "missing"     sequence numbers absent from the chain (sequence = first missing, the detail
//                 names them all as a range);
//   "reordered"   a record whose sequence belongs to a gap left earlier in storage order (it was
//                 moved); "duplicate": a sequence already seen.
// An empty chain is valid.
//
// Limits: the chain alone cannot detect removal of its LAST records (or a full rewrite from
// some point on): what remains is a valid shorter chain. The head {sequence, hash} must be
// anchored elsewhere (a separate table written in the same transaction, a signed/published
// checkpoint) and passed as `expected_head`; the anchor may lag behind the chain (records after
// it are accepted), but the record with the anchored sequence must exist and carry that hash.
//
// ChainVerifier streams: feed() records in storage order, then finish(). It keeps O(1) state
// (last hash, highest sequence, a bounded set of open gaps) plus the problems it reports. When
// more than kMaxOpenGaps gaps are open at once the oldest is reported as "missing" early; a record
// filling such a flushed gap later is then reported as "duplicate" with a detail saying it may be
// out of order instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace au::identity {

struct ChainRecord {
  std::int64_t sequence = 0;
  std::string payload;
  std::string previous_hash;
  std::string hash;
};

struct ChainProblem {
  std::int64_t sequence = 0;
  std::string kind;    // "altered", "broken-link", "missing", "reordered", "duplicate"
  std::string detail;  // Italian, for the operator
};

struct ChainHead {
  std::int64_t sequence = 0;  // 0 = empty chain anchored
  std::string hash;
};

// 64 '0' characters: previous_hash of the first record.
const std::string& chain_genesis_hash();

std::string chain_hash(std::int64_t sequence, const std::string& previous_hash,
                       const std::string& payload);

// The next record after `last` (nullptr for the first record: previous_hash = 64 zeros).
ChainRecord append(const ChainRecord* last, std::int64_t sequence, std::string payload);

class ChainVerifier {
 public:
  static constexpr std::size_t kMaxOpenGaps = 64;

  ChainVerifier() = default;
  explicit ChainVerifier(ChainHead expected_head) : head_(std::move(expected_head)) {}

  void feed(const ChainRecord& record);
  // Reports the gaps still open and the anchor check; the verifier is spent afterwards.
  std::vector<ChainProblem> finish();

 private:
  struct Gap {
    std::int64_t first;
    std::int64_t last;
  };
  void report_missing(const Gap& gap);
  void open_gap(Gap gap);

  std::optional<ChainHead> head_;
  bool anchor_seen_ = false;
  bool anchor_matched_ = false;

  bool any_ = false;
  std::int64_t previous_sequence_ = 0;  // storage order
  std::string previous_hash_;           // stored hash of the record before, in storage order
  std::int64_t max_sequence_ = 0;
  std::vector<Gap> gaps_;               // at most kMaxOpenGaps, ascending
  bool flushed_ = false;
  std::vector<ChainProblem> problems_;
};

std::vector<ChainProblem> verify_chain(const std::vector<ChainRecord>& records_in_storage_order);
std::vector<ChainProblem> verify_chain(const std::vector<ChainRecord>& records_in_storage_order,
                                       const ChainHead& expected_head);

}  // namespace au::identity
