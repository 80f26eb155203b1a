#include "identity/hash_chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace au::identity {
namespace {

std::vector<ChainRecord> make_chain(int n) {
  std::vector<ChainRecord> chain;
  chain.reserve(n);
  for (int i = 1; i <= n; ++i) {
    chain.push_back(append(chain.empty() ? nullptr : &chain.back(), i,
                           R"({"event":"login","n":)" + std::to_string(i) + "}"));
  }
  return chain;
}

// "kind@sequence" for each problem, sorted: exact comparison of what was reported.
std::vector<std::string> summary(const std::vector<ChainProblem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) {
    EXPECT_FALSE(p.detail.empty()) << p.kind << "@" << p.sequence;
    out.push_back(p.kind + "@" + std::to_string(p.sequence));
  }
  std::sort(out.begin(), out.end());
  return out;
}

using V = std::vector<std::string>;

// Rule: a chain built with append() verifies clean, with and without its head anchored.
TEST(HashChainTest, ValidChainOfThousandRecordsHasNoProblems) {
  const auto chain = make_chain(1000);
  EXPECT_EQ(chain.front().previous_hash, std::string(64, '0'));
  EXPECT_EQ(chain[1].previous_hash, chain[0].hash);
  EXPECT_TRUE(verify_chain(chain).empty());
  EXPECT_TRUE(verify_chain(chain, {1000, chain.back().hash}).empty());
}

// Rule: an empty chain is valid (and an anchor at 0 means "nothing yet").
TEST(HashChainTest, EmptyChainIsValid) {
  EXPECT_TRUE(verify_chain({}).empty());
  EXPECT_TRUE(verify_chain({}, {0, ""}).empty());
}

// Rule: the hash is 64 hex chars, deterministic, and covers every field.
TEST(HashChainTest, HashCoversEveryField) {
  const std::string prev(64, '0');
  const std::string h = chain_hash(1, prev, "x");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, chain_hash(1, prev, "x"));
  EXPECT_NE(h, chain_hash(2, prev, "x"));
  EXPECT_NE(h, chain_hash(1, std::string(64, '1'), "x"));
  EXPECT_NE(h, chain_hash(1, prev, "y"));
}

// Rule: length-prefixing keeps the encoding unambiguous: moving bytes across the field
// boundary changes the hash.
TEST(HashChainTest, EncodingIsUnambiguousAcrossFieldBoundary) {
  EXPECT_NE(chain_hash(1, "ab\ncd", "ef"), chain_hash(1, "ab", "cd\nef"));
  EXPECT_NE(chain_hash(1, "a", "\n1:b"), chain_hash(1, "a\n1:b", ""));
  EXPECT_NE(chain_hash(12, "x", "y"), chain_hash(1, "2\nx", "y"));
}

// Rule: payload altered without recomputing the hash -> "altered" on that record only.
TEST(HashChainTest, AlteredPayloadWithoutRehashIsAltered) {
  auto chain = make_chain(10);
  chain[4].payload = R"({"event":"login","n":999})";
  EXPECT_EQ(summary(verify_chain(chain)), (V{"altered@5"}));
}

// Rule: payload altered and hash recomputed by the attacker -> the NEXT record's link breaks.
TEST(HashChainTest, AlteredPayloadWithRehashBreaksNextLink) {
  auto chain = make_chain(10);
  chain[4].payload = "forged";
  chain[4].hash = chain_hash(5, chain[4].previous_hash, chain[4].payload);
  EXPECT_EQ(summary(verify_chain(chain)), (V{"broken-link@6"}));
}

// Rule: a record removed in the middle -> "missing" naming it, and "broken-link" on the next.
TEST(HashChainTest, RemovedMiddleRecordIsMissingAndBreaksLink) {
  auto chain = make_chain(10);
  chain.erase(chain.begin() + 4);  // sequence 5
  const auto problems = verify_chain(chain);
  EXPECT_EQ(summary(problems), (V{"broken-link@6", "missing@5"}));
  const auto it = std::find_if(problems.begin(), problems.end(),
                               [](const ChainProblem& p) { return p.kind == "missing"; });
  ASSERT_NE(it, problems.end());
  EXPECT_NE(it->detail.find("record 5"), std::string::npos) << it->detail;
}

// Rule: several consecutive records removed -> one "missing" naming the whole range.
TEST(HashChainTest, RemovedRangeNamesAllMissingSequences) {
  auto chain = make_chain(10);
  chain.erase(chain.begin() + 2, chain.begin() + 5);  // 3, 4, 5
  const auto problems = verify_chain(chain);
  EXPECT_EQ(summary(problems), (V{"broken-link@6", "missing@3"}));
  for (const auto& p : problems) {
    if (p.kind == "missing") {
      EXPECT_NE(p.detail.find("da 3 a 5"), std::string::npos) << p.detail;
    }
  }
}

// Rule: removing the LAST record leaves a valid shorter chain: undetectable from the chain
// alone, detected as "missing" once the head is anchored elsewhere.
TEST(HashChainTest, TruncationNeedsAnchoredHead) {
  auto chain = make_chain(10);
  const ChainHead head{10, chain.back().hash};
  chain.pop_back();
  EXPECT_TRUE(verify_chain(chain).empty());
  EXPECT_EQ(summary(verify_chain(chain, head)), (V{"missing@10"}));

  EXPECT_EQ(summary(verify_chain({}, head)), (V{"missing@1"}));  // everything deleted
}

// Rule: a full rewrite from some point on (all hashes recomputed) is only caught by the anchor.
TEST(HashChainTest, RewrittenTailIsCaughtByAnchor) {
  auto chain = make_chain(10);
  const ChainHead head{10, chain.back().hash};
  chain[6].payload = "forged";
  for (int i = 6; i < 10; ++i) chain[i] = append(&chain[i - 1], i + 1, chain[i].payload);
  EXPECT_TRUE(verify_chain(chain).empty());
  EXPECT_EQ(summary(verify_chain(chain, head)), (V{"altered@10"}));
}

// Rule: the anchor may lag behind the chain: later records are accepted, but the anchored
// record itself must match.
TEST(HashChainTest, AnchorMayLagBehindHead) {
  const auto chain = make_chain(10);
  EXPECT_TRUE(verify_chain(chain, {7, chain[6].hash}).empty());
  EXPECT_EQ(summary(verify_chain(chain, {7, chain[5].hash})), (V{"altered@7"}));
}

// Rule: two records swapped -> "reordered" on the one that comes late; the storage-order
// links around them break too; nothing is reported missing.
TEST(HashChainTest, SwappedRecordsAreReordered) {
  auto chain = make_chain(10);
  std::swap(chain[3], chain[4]);  // storage: 1 2 3 5 4 6 ...
  EXPECT_EQ(summary(verify_chain(chain)),
            (V{"broken-link@4", "broken-link@5", "broken-link@6", "reordered@4"}));
}

// Rule: a record moved far later is "reordered", and its gap is not reported as missing.
TEST(HashChainTest, RecordMovedToTheEndIsReorderedNotMissing) {
  auto chain = make_chain(10);
  ChainRecord moved = chain[1];
  chain.erase(chain.begin() + 1);
  chain.push_back(moved);  // storage: 1 3 4 ... 10 2
  const auto s = summary(verify_chain(chain));
  EXPECT_NE(std::find(s.begin(), s.end(), "reordered@2"), s.end());
  for (const auto& k : s) EXPECT_EQ(k.rfind("missing", 0), std::string::npos) << k;
}

// Rule: a repeated sequence -> "duplicate" on the copy (its link to the record before breaks).
TEST(HashChainTest, DuplicatedRecordIsDuplicate) {
  auto chain = make_chain(10);
  chain.insert(chain.begin() + 5, chain[4]);  // storage: ... 5 5 6 ...
  EXPECT_EQ(summary(verify_chain(chain)), (V{"broken-link@5", "duplicate@5"}));
}

// Rule: the first record's previous_hash must be 64 zeros.
TEST(HashChainTest, FirstRecordMustStartFromZeros) {
  auto chain = make_chain(5);
  chain[0] = append(&chain[1], 1, chain[0].payload);  // well-formed but linked to garbage
  EXPECT_EQ(summary(verify_chain(chain)), (V{"broken-link@1", "broken-link@2"}));
}

// Rule: a chain not starting at 1 (head removed) -> missing from 1, and the first link breaks.
TEST(HashChainTest, RemovedFirstRecordIsMissing) {
  auto chain = make_chain(5);
  chain.erase(chain.begin());
  EXPECT_EQ(summary(verify_chain(chain)), (V{"broken-link@2", "missing@1"}));
}

// Rule: every problem is reported, not just the first.
TEST(HashChainTest, ReportsEveryProblem) {
  auto chain = make_chain(20);
  chain[2].payload = "x";                 // altered@3
  chain.erase(chain.begin() + 10);        // missing@11, broken-link@12
  chain.insert(chain.begin() + 15, chain[14]);  // duplicate of 16 (index 14 is seq 16)
  EXPECT_EQ(summary(verify_chain(chain)),
            (V{"altered@3", "broken-link@12", "broken-link@16", "duplicate@16", "missing@11"}));
}

// Rule: the streaming verifier gives the same result as verify_chain, fed row by row.
TEST(HashChainTest, StreamingVerifierMatchesVerifyChain) {
  auto chain = make_chain(50);
  chain.erase(chain.begin() + 20);
  ChainVerifier v;
  for (const auto& r : chain) v.feed(r);
  EXPECT_EQ(summary(v.finish()), summary(verify_chain(chain)));
}

// Rule: more open gaps than the bound still reports every missing sequence (bounded memory).
TEST(HashChainTest, ManyGapsAreAllReported) {
  auto full = make_chain(401);
  std::vector<ChainRecord> chain;
  for (const auto& r : full) {
    if (r.sequence % 2 == 1) chain.push_back(r);  // drop 2, 4 ... 400: 200 gaps, last kept
  }
  const auto problems = verify_chain(chain);
  int missing = 0;
  for (const auto& p : problems) {
    if (p.kind == "missing") {
      ++missing;
      EXPECT_EQ(p.sequence % 2, 0);
    }
  }
  EXPECT_EQ(missing, 200);
}

// Rule (documented limit): a record filling a gap that was already flushed as "missing" because
// more than kMaxOpenGaps were open is reported "duplicate", with the ambiguity in the detail.
TEST(HashChainTest, LateRecordAfterGapOverflowIsFlaggedAmbiguous) {
  auto full = make_chain(2 * static_cast<int>(ChainVerifier::kMaxOpenGaps) + 5);
  std::vector<ChainRecord> chain;
  for (const auto& r : full) {
    if (r.sequence % 2 == 1) chain.push_back(r);
  }
  chain.push_back(full[1]);  // sequence 2 arrives at the end: its gap was flushed long ago
  const auto problems = verify_chain(chain);
  const auto it = std::find_if(problems.begin(), problems.end(), [](const ChainProblem& p) {
    return p.sequence == 2 && p.kind == "duplicate";
  });
  ASSERT_NE(it, problems.end());
  EXPECT_NE(it->detail.find("fuori ordine"), std::string::npos) << it->detail;
}

}  // namespace
}  // namespace au::identity
