#include "search/reader_pool.h"

#include <algorithm>

#include "search/document_mapping.h"
#include "search/italian_text.h"

namespace au::search::detail {

Reader::Reader(const std::filesystem::path& dir) : db(dir.string()), stemmer("italian") {
  parser.set_stemmer(stemmer);
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_stopper(&italian_stopper());
  parser.add_prefix("titolo", std::string(kPrefixTitle));
  parser.set_database(db);
}

ReaderPool::Lease::~Lease() {
  if (reader_) pool_->give_back(std::move(reader_));
}

ReaderPool::ReaderPool(Generation current) : current_(std::move(current)) {
  generations_[current_.number] = {current_.dir, 0};
}

ReaderPool::Lease ReaderPool::acquire(bool force_reopen) {
  std::unique_ptr<Reader> reader;
  std::vector<std::unique_ptr<Reader>> stale;  // closed after the lock is released
  Generation gen;
  Xapian::rev latest = 0;
  {
    std::lock_guard lock(mu_);
    while (!idle_.empty() && !reader) {
      auto candidate = std::move(idle_.back());
      idle_.pop_back();
      if (candidate->generation == current_.number) {
        reader = std::move(candidate);
      } else {
        --generations_[candidate->generation].readers;
        stale.push_back(std::move(candidate));
      }
    }
    gen = current_;
    latest = latest_;
    // Counted before opening so the writer cannot delete the directory under us.
    if (!reader) ++generations_[gen.number].readers;
  }
  if (!reader) {
    try {
      reader = std::make_unique<Reader>(gen.dir);
    } catch (...) {
      std::lock_guard lock(mu_);
      --generations_[gen.number].readers;
      throw;
    }
    reader->generation = gen.number;
  } else {
    try {
      if (force_reopen || reader->db.get_revision() < latest) reader->db.reopen();
    } catch (...) {
      std::lock_guard lock(mu_);
      --generations_[reader->generation].readers;
      throw;
    }
  }
  return Lease(this, std::move(reader));
}

void ReaderPool::give_back(std::unique_ptr<Reader> reader) {
  Xapian::rev revision = 0;
  try {
    revision = reader->db.get_revision();
  } catch (const Xapian::Error&) {
    // Called from a destructor: an unreadable handle just does not raise the floor.
  }
  std::lock_guard lock(mu_);
  if (reader->generation == current_.number) {
    // What this search saw is now the floor for every later one.
    latest_ = std::max(latest_, revision);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(std::move(reader));
      return;
    }
  }
  --generations_[reader->generation].readers;
  // `reader` is destroyed here, under the lock; closing a database is only a few close(2).
}

void ReaderPool::note_commit(Xapian::rev revision) {
  std::lock_guard lock(mu_);
  latest_ = std::max(latest_, revision);
}

void ReaderPool::switch_generation(Generation next, Xapian::rev revision) {
  std::vector<std::unique_ptr<Reader>> stale;
  std::lock_guard lock(mu_);
  for (auto& r : idle_) {
    --generations_[r->generation].readers;
    stale.push_back(std::move(r));
  }
  idle_.clear();
  current_ = std::move(next);
  latest_ = revision;
  generations_.try_emplace(current_.number, GenerationUse{current_.dir, 0});
}

std::vector<std::filesystem::path> ReaderPool::take_retired_dirs() {
  std::vector<std::filesystem::path> out;
  std::lock_guard lock(mu_);
  for (auto it = generations_.begin(); it != generations_.end();) {
    if (it->first != current_.number && it->second.readers == 0) {
      out.push_back(it->second.dir);
      it = generations_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

}  // namespace au::search::detail
