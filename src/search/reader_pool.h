// Read-only Xapian handles for concurrent searches.
//
// Xapian objects are not thread-safe, and opening a database per search costs more than the
// search itself, so each search borrows a Reader (a Database plus the parser and stemmer that
// go with it) for its duration and gives it back. The pool tracks the newest
// revision anyone has committed or read; a reader behind it is reopen()ed when lent, so a search
// never sees an older state than one that finished before it started. When a rebuild switches
// generation, readers of the old one are dropped instead of being returned, and the pool reports
// which old generation directories no reader uses any more, so the writer can delete them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <xapian.h>

#include "search/index_directory.h"

namespace au::search::detail {

struct Reader {
  explicit Reader(const std::filesystem::path& dir);

  Xapian::Database db;
  Xapian::Stem stemmer;
  Xapian::QueryParser parser;
  std::uint64_t generation = 0;
};

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Reader> reader)
        : pool_(pool), reader_(std::move(reader)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Reader& operator*() const { return *reader_; }
    Reader* operator->() const { return reader_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Reader> reader_;
  };

  explicit ReaderPool(Generation current);

  // A reader at (at least) the newest revision committed or read before this call.
  // `force_reopen` also reopens a reader that looks current (after a failed read).
  Lease acquire(bool force_reopen = false);
  void note_commit(Xapian::rev revision);
  void switch_generation(Generation next, Xapian::rev revision);
  // Directories of past generations that no reader holds; they are forgotten by the pool.
  std::vector<std::filesystem::path> take_retired_dirs();

 private:
  void give_back(std::unique_ptr<Reader> reader);

  // Enough for the request threads of one process; extra readers are closed on return.
  static constexpr std::size_t kMaxIdle = 16;

  std::mutex mu_;
  Generation current_;
  Xapian::rev latest_ = 0;  // of current_
  std::vector<std::unique_ptr<Reader>> idle_;
  struct GenerationUse {
    std::filesystem::path dir;
    std::size_t readers = 0;
  };
  std::map<std::uint64_t, GenerationUse> generations_;
};

}  // namespace au::search::detail
