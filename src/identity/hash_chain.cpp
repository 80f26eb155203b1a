#include "identity/hash_chain.h"

#include "identity/crypto.h"

#include <algorithm>
#include <utility>

namespace au::identity {

namespace {

std::string range_text(std::int64_t first, std::int64_t last) {
  if (first == last) return "il record " + std::to_string(first);
  return "i record da " + std::to_string(first) + " a " + std::to_string(last) + " (" +
         std::to_string(last - first + 1) + ")";
}

}  // namespace

const std::string& chain_genesis_hash() {
  static const std::string zeros(64, '0');
  return zeros;
}

std::string chain_hash(std::int64_t sequence, const std::string& previous_hash,
                       const std::string& payload) {
  std::string encoded = "au-chain-v1\n";
  encoded += std::to_string(sequence);
  encoded += '\n';
  encoded += std::to_string(previous_hash.size());
  encoded += ':';
  encoded += previous_hash;
  encoded += '\n';
  encoded += std::to_string(payload.size());
  encoded += ':';
  encoded += payload;
  return sha256_hex(encoded);
}

ChainRecord append(const ChainRecord* last, std::int64_t sequence, std::string payload) {
  ChainRecord r;
  r.sequence = sequence;
  r.payload = std::move(payload);
  r.previous_hash = last ? last->hash : chain_genesis_hash();
  r.hash = chain_hash(r.sequence, r.previous_hash, r.payload);
  return r;
}

void ChainVerifier::report_missing(const Gap& gap) {
  problems_.push_back({gap.first, "missing",
                       "Mancano " + range_text(gap.first, gap.last) +
                           ": rimossi dalla catena o mai scritti"});
}

void ChainVerifier::open_gap(Gap gap) {
  gaps_.push_back(gap);
  std::sort(gaps_.begin(), gaps_.end(),
            [](const Gap& a, const Gap& b) { return a.first < b.first; });
  if (gaps_.size() > kMaxOpenGaps) {
    report_missing(gaps_.front());
    gaps_.erase(gaps_.begin());
    flushed_ = true;
  }
}

void ChainVerifier::feed(const ChainRecord& r) {
  const std::string seq = std::to_string(r.sequence);

  // 1. Content: the hash must be the hash of what the record says.
  if (chain_hash(r.sequence, r.previous_hash, r.payload) != r.hash) {
    problems_.push_back({r.sequence, "altered",
                         "Il record " + seq +
                             " è stato alterato: il suo hash non corrisponde al contenuto"});
  }

  // 2. Link: previous_hash must be the hash of the record stored before it.
  if (!any_) {
    if (r.previous_hash != chain_genesis_hash()) {
      problems_.push_back({r.sequence, "broken-link",
                           "Il primo record (" + seq +
                               ") non parte dall'hash iniziale di zeri: la catena è stata "
                               "troncata all'inizio o il record è stato sostituito"});
    }
  } else if (r.previous_hash != previous_hash_) {
    problems_.push_back({r.sequence, "broken-link",
                         "Il record " + seq + " non è collegato al record precedente (" +
                             std::to_string(previous_sequence_) +
                             "): quel record è stato alterato oppure uno intermedio è stato "
                             "rimosso o spostato"});
  }

  // 3. Sequence: gaps, moves, repeats.
  if (r.sequence < 1) {
    problems_.push_back({r.sequence, "altered",
                         "Numero di sequenza non valido (" + seq + "): deve partire da 1"});
  } else if (r.sequence > max_sequence_) {
    if (r.sequence > max_sequence_ + 1) open_gap({max_sequence_ + 1, r.sequence - 1});
    max_sequence_ = r.sequence;
  } else {
    auto it = std::find_if(gaps_.begin(), gaps_.end(), [&](const Gap& g) {
      return g.first <= r.sequence && r.sequence <= g.last;
    });
    if (it != gaps_.end()) {
      problems_.push_back({r.sequence, "reordered",
                           "Il record " + seq + " è fuori ordine: compare dopo il record " +
                               std::to_string(max_sequence_)});
      const Gap g = *it;
      if (g.first == g.last) {
        gaps_.erase(it);
      } else if (r.sequence == g.first) {
        it->first++;
      } else if (r.sequence == g.last) {
        it->last--;
      } else {
        it->last = r.sequence - 1;
        open_gap({r.sequence + 1, g.last});
      }
    } else {
      std::string detail = "Il record " + seq + " è duplicato: la sequenza " + seq +
                           " compare già prima";
      if (flushed_) {
        detail += " (oppure è fuori ordine e già segnalato come mancante: troppi buchi aperti "
                  "per distinguerlo)";
      }
      problems_.push_back({r.sequence, "duplicate", std::move(detail)});
    }
  }

  // 4. Anchor: the record with the anchored sequence must carry the anchored hash.
  if (head_ && r.sequence == head_->sequence) {
    anchor_seen_ = true;
    if (r.hash == head_->hash) anchor_matched_ = true;
  }

  any_ = true;
  previous_sequence_ = r.sequence;
  previous_hash_ = r.hash;
}

std::vector<ChainProblem> ChainVerifier::finish() {
  for (const Gap& g : gaps_) report_missing(g);
  gaps_.clear();

  if (head_ && head_->sequence > 0) {
    if (!anchor_seen_) {
      // Inside an open gap it was already reported as missing; beyond the end: truncation.
      if (head_->sequence > max_sequence_) {
        problems_.push_back({max_sequence_ + 1, "missing",
                             "La catena è troncata: mancano " +
                                 range_text(max_sequence_ + 1, head_->sequence) +
                                 " fino alla testa ancorata " + std::to_string(head_->sequence)});
      }
    } else if (!anchor_matched_) {
      problems_.push_back({head_->sequence, "altered",
                           "Il record " + std::to_string(head_->sequence) +
                               " non corrisponde all'hash ancorato: la catena è stata riscritta"});
    }
  }
  return std::move(problems_);
}

std::vector<ChainProblem> verify_chain(const std::vector<ChainRecord>& records) {
  ChainVerifier v;
  for (const ChainRecord& r : records) v.feed(r);
  return v.finish();
}

std::vector<ChainProblem> verify_chain(const std::vector<ChainRecord>& records,
                                       const ChainHead& expected_head) {
  ChainVerifier v(expected_head);
  for (const ChainRecord& r : records) v.feed(r);
  return v.finish();
}

}  // namespace au::identity
