#include "search/index_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace au::search::detail {

namespace {

constexpr char kStubName[] = "XAPIANDB";
constexpr char kGenPrefix[] = "gen-";

std::optional<std::uint64_t> parse_generation_name(const std::string& name) {
  if (name.rfind(kGenPrefix, 0) != 0 || name.size() == sizeof kGenPrefix - 1) return std::nullopt;
  std::uint64_t n = 0;
  for (std::size_t i = sizeof kGenPrefix - 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return n;
}

std::string generation_name(std::uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%06llu", kGenPrefix, static_cast<unsigned long long>(number));
  return buf;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void fsync_path(const std::filesystem::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw_errno("open " + p.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw_errno("fsync " + p.string());
}

}  // namespace

Generation generation_at(const std::filesystem::path& root, std::uint64_t number) {
  return {number, root / generation_name(number)};
}

std::optional<Generation> read_current_generation(const std::filesystem::path& root) {
  std::ifstream in(root / kStubName);
  if (!in) return std::nullopt;
  std::string backend, name;
  if (!(in >> backend >> name) || backend != "auto") return std::nullopt;
  const auto number = parse_generation_name(name);
  if (!number) return std::nullopt;
  Generation gen = generation_at(root, *number);
  std::error_code ec;
  if (!std::filesystem::is_directory(gen.dir, ec)) return std::nullopt;
  return gen;
}

void write_current_generation(const std::filesystem::path& root, const Generation& gen) {
  const auto tmp = root / (std::string(kStubName) + ".tmp");
  const std::string content = "auto " + gen.dir.filename().string() + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open " + tmp.string());
  const bool ok =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
      ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    errno = saved;
    throw_errno("write " + tmp.string());
  }
  if (::rename(tmp.c_str(), (root / kStubName).c_str()) != 0) throw_errno("rename stub");
  fsync_path(root, O_RDONLY | O_DIRECTORY);
}

std::vector<Generation> list_generations(const std::filesystem::path& root) {
  std::vector<Generation> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec)) continue;
    if (const auto n = parse_generation_name(entry.path().filename().string())) {
      out.push_back({*n, entry.path()});
    }
  }
  return out;
}

}  // namespace au::search::detail
